package io.productivek3s.infra;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.productivek3s.infra.log.Log;
import io.productivek3s.infra.util.Json;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of docs/architecture.md: {@code cli} → {@code action} → focused packages, with the per-run context
 * and shared run steps in {@code run}. Nothing below {@code cli} reaches up, nothing depends on {@code Main}, and
 * the packages form no cycle.
 */
class LayeringTest {
    private static final Pattern TREE_MUTATOR = Pattern.compile("(put|add|set|insert|replace|remove).*");
    private static final String ROOT = "io.productivek3s.infra";
    private static final String[] LIBRARIES = {ROOT + ".pkg..", ROOT + ".env..", ROOT + ".state..", ROOT + ".exec..",
        ROOT + ".core..", ROOT + ".catalog..", ROOT + ".telemetry..", ROOT + ".export..", ROOT + ".source..",
        ROOT + ".scenario..", ROOT + ".log..", ROOT + ".paths..", ROOT + ".util..", ROOT + ".run..", ROOT + ".fs..",
        ROOT + ".cache..", ROOT + ".sign.."};

    private static JavaClasses classes;

    @BeforeAll
    static void importEngine() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(ROOT);
    }

    @Test
    void onlyTheEntryPointUsesTheCli() {
        noClasses().that().resideOutsideOfPackage(ROOT + ".cli..").and().doNotHaveFullyQualifiedName(ROOT + ".Main")
                .should().dependOnClassesThat().resideInAPackage(ROOT + ".cli..").check(classes);
    }

    @Test
    void nothingDependsOnMain() {
        noClasses().that().doNotHaveFullyQualifiedName(ROOT + ".Main")
                .should().dependOnClassesThat().haveFullyQualifiedName(ROOT + ".Main").check(classes);
    }

    @Test
    void librariesDoNotReachUpIntoActions() {
        noClasses().that().resideInAnyPackage(LIBRARIES)
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".action..", ROOT + ".cli..").check(classes);
    }

    @Test
    void theRunContextAndSharedStepsDependOnlyOnLibraries() {
        noClasses().that().resideInAPackage(ROOT + ".run..")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".source..", ROOT + ".export..", ROOT + ".catalog..")
                .check(classes);
    }

    /**
     * The file identity, digest memo and tree copier are shared by the state, the package cache and source
     * packaging, so they know none of them.
     */
    @Test
    void theFilesystemPrimitivesStandAlone() {
        noClasses().that().resideInAPackage(ROOT + ".fs..")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".state..", ROOT + ".catalog..", ROOT + ".run..",
                        ROOT + ".action..", ROOT + ".cache..", ROOT + ".source..")
                .check(classes);
    }

    /**
     * The package cache is its own slice (docs/architecture.md "Package cache"): the actions that extract or
     * validate a package use it; it stands on the filesystem primitives, the package reader and the user cache
     * directory, and knows nothing of state, runs or the launcher.
     */
    @Test
    void thePackageCacheIsItsOwnSlice() {
        noClasses().that().resideOutsideOfPackages(ROOT + ".cache..", ROOT + ".action..")
                .should().dependOnClassesThat().resideInAPackage(ROOT + ".cache..").check(classes);
        noClasses().that().resideInAPackage(ROOT + ".cache..")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".state..", ROOT + ".run..", ROOT + ".exec..",
                        ROOT + ".source..", ROOT + ".export..", ROOT + ".telemetry..", ROOT + ".core..")
                .check(classes);
    }

    /** Main halts instead of exiting when no hook is pending; that holds only if every hook is counted. */
    @Test
    void shutdownHooksGoThroughTheCountingRegistry() {
        noClasses().that().doNotHaveFullyQualifiedName(ROOT + ".util.ShutdownHooks")
                .should().callMethod(Runtime.class, "addShutdownHook", Thread.class)
                .orShould().callMethod(Runtime.class, "removeShutdownHook", Thread.class)
                .orShould().callMethod(System.class, "exit", int.class)
                .check(classes);
    }

    /**
     * The state API knows no driver: {@code state.pg} and {@code state.local} (drivers) depend on {@code state},
     * never the reverse, neither knows the other, and only {@code state.backends}, which chooses a driver by
     * {@code PK3S_STATE_BACKEND}, knows them all. The package slices below cannot see this, because they group every
     * {@code state} package into one.
     */
    @Test
    void theStateApiKnowsNoDriver() {
        noClasses().that().resideInAPackage(ROOT + ".state")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".state.pg..", ROOT + ".state.local..",
                        ROOT + ".state.backends..")
                .check(classes);
        noClasses().that().resideInAPackage(ROOT + ".state.pg..")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".state.backends..", ROOT + ".state.local..")
                .check(classes);
        noClasses().that().resideInAPackage(ROOT + ".state.local..")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".state.backends..", ROOT + ".state.pg..",
                        ROOT + ".state.crypto..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName(ROOT + ".state.StateLayer")
                .orShould().dependOnClassesThat().haveFullyQualifiedName(ROOT + ".state.LocalMirror")
                .check(classes);
        slices().matching(ROOT + ".state.(*)..").should().beFreeOfCycles().check(classes);
    }

    /**
     * Results are data (docs/architecture.md "Results as data"): only {@code cli} (which renders a command's result)
     * and {@code log} (which writes log lines and events) write to the process's stdout or stderr, or take the result
     * stream from the log; {@code Main} only flushes them before it halts.
     */
    @Test
    void onlyTheCliAndTheLogPrint() {
        noClasses().that().resideOutsideOfPackages(ROOT + ".cli..", ROOT + ".log..").and().doNotHaveFullyQualifiedName(ROOT + ".Main")
                .should().accessField(System.class, "out").orShould().accessField(System.class, "err")
                .orShould().callMethod(Log.class, "stdout")
                .check(classes);
    }

    /**
     * A command's {@code --json} document is a record that {@code cli} renders through the one {@code ObjectMapper}
     * ({@code util.Json}); neither actions nor {@code cli} build JSON trees or drive a generator by hand. The state,
     * telemetry and export layers write their own file formats and are not command output.
     */
    @Test
    void commandOutputIsNotHandBuiltJson() {
        DescribedPredicate<JavaMethodCall> buildsATree = DescribedPredicate.describe("builds a JSON tree", call ->
                call.getTargetOwner().isAssignableTo(ContainerNode.class) && TREE_MUTATOR.matcher(call.getName()).matches()
                        || call.getTargetOwner().isAssignableTo(JsonNodeFactory.class)
                        || call.getTargetOwner().isAssignableTo(ObjectMapper.class) && call.getName().startsWith("create")
                        || call.getTargetOwner().isEquivalentTo(Json.class) && call.getName().equals("object"));
        noClasses().that().resideInAnyPackage(ROOT + ".action..", ROOT + ".cli..")
                .should().callMethodWhere(buildsATree)
                .orShould().dependOnClassesThat().areAssignableTo(JsonGenerator.class)
                .check(classes);
    }

    /**
     * Signature checking is a focused library (docs/signing.md): the SSH formats, the trust file and the policy know
     * nothing of packages, catalogs, state or runs; the catalog and the package source call it, never the reverse.
     */
    @Test
    void signaturesStandAlone() {
        noClasses().that().resideInAPackage(ROOT + ".sign..")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".catalog..", ROOT + ".pkg..", ROOT + ".state..",
                        ROOT + ".run..", ROOT + ".telemetry..", ROOT + ".source..", ROOT + ".export..")
                .check(classes);
    }

    /**
     * The driver interface (docs/state.md "State layer and drivers") is the state API's lower edge: it knows the
     * records drivers store and nothing of any driver, of the layer above it, or of how a backend is chosen; a driver
     * ({@code state.pg}) reaches the layer only through the API, never through the local backend's internals.
     */
    @Test
    void theDriverInterfaceKnowsNoDriverAndNoLayer() {
        noClasses().that().resideInAPackage(ROOT + ".state.driver")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".state.pg..", ROOT + ".state.local..",
                        ROOT + ".state.backends..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName(ROOT + ".state.StateLayer")
                .orShould().dependOnClassesThat().haveFullyQualifiedName(ROOT + ".state.LocalMirror")
                .check(classes);
        noClasses().that().resideInAPackage(ROOT + ".state.pg..")
                .should().dependOnClassesThat().haveFullyQualifiedName(ROOT + ".state.LocalMirror")
                .orShould().dependOnClassesThat().haveFullyQualifiedName(ROOT + ".state.SnapshotPolicy")
                .check(classes);
    }

    /**
     * Encryption at rest is a decorator over the driver interface (docs/state.md "Encryption at rest"): it knows no
     * concrete driver, and neither the state API nor a driver knows it; {@code state.backends} puts it in place.
     */
    @Test
    void encryptionIsADecoratorNoDriverKnows() {
        noClasses().that().resideInAPackage(ROOT + ".state.crypto..")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".state.pg..", ROOT + ".state.backends..")
                .check(classes);
        noClasses().that().resideInAnyPackage(ROOT + ".state", ROOT + ".state.pg..", ROOT + ".state.local..",
                        ROOT + ".state.driver..")
                .should().dependOnClassesThat().resideInAPackage(ROOT + ".state.crypto..").check(classes);
    }

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
    }
}
