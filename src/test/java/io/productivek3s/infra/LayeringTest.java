package io.productivek3s.infra;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of docs/architecture.md: {@code cli} → {@code action} → focused packages, with the per-run context
 * and shared run steps in {@code run}. Nothing below {@code cli} reaches up, nothing depends on {@code Main}, and
 * the packages form no cycle.
 */
class LayeringTest {
    private static final String ROOT = "io.productivek3s.infra";
    private static final String[] LIBRARIES = {ROOT + ".pkg..", ROOT + ".env..", ROOT + ".state..", ROOT + ".exec..",
        ROOT + ".core..", ROOT + ".catalog..", ROOT + ".telemetry..", ROOT + ".export..", ROOT + ".source..",
        ROOT + ".scenario..", ROOT + ".log..", ROOT + ".paths..", ROOT + ".util..", ROOT + ".run..", ROOT + ".fs.."};

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

    /** The file identity and digest memo are shared by the state and the package cache, so they know neither. */
    @Test
    void theFilesystemPrimitivesStandAlone() {
        noClasses().that().resideInAPackage(ROOT + ".fs..")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".state..", ROOT + ".catalog..", ROOT + ".run..",
                        ROOT + ".action..")
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
     * The state API knows no driver: {@code state.pg} (a driver) depends on {@code state}, never the reverse, and
     * only {@code state.backends}, which chooses a driver by {@code PK3S_STATE_BACKEND}, knows them all. The package
     * slices below cannot see this, because they group every {@code state} package into one.
     */
    @Test
    void theStateApiKnowsNoDriver() {
        noClasses().that().resideInAPackage(ROOT + ".state")
                .should().dependOnClassesThat().resideInAnyPackage(ROOT + ".state.pg..", ROOT + ".state.backends..")
                .check(classes);
        noClasses().that().resideInAPackage(ROOT + ".state.pg..")
                .should().dependOnClassesThat().resideInAPackage(ROOT + ".state.backends..").check(classes);
        slices().matching(ROOT + ".state.(*)..").should().beFreeOfCycles().check(classes);
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
        noClasses().that().resideInAnyPackage(ROOT + ".state", ROOT + ".state.pg..", ROOT + ".state.driver..")
                .should().dependOnClassesThat().resideInAPackage(ROOT + ".state.crypto..").check(classes);
    }

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(classes);
    }
}
