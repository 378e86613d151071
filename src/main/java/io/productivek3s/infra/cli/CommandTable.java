package io.productivek3s.infra.cli;

import io.productivek3s.infra.cli.CommandSpec.Group;
import io.productivek3s.infra.cli.CommandSpec.JsonForm;
import io.productivek3s.infra.cli.CommandSpec.Surface;
import io.productivek3s.infra.source.SourceCommand;
import io.productivek3s.infra.state.crypto.StateKeys;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Every command the engine knows, once. The parser's flag set, the package-only gate, the top-level usage,
 * {@code <command> --help} and the completion scripts are all derived from these rows, and each row carries what runs
 * the command ({@link Command}: its options record and its handler). Adding a command means adding a row here
 * (docs/architecture.md "Adding a command").
 */
public final class CommandTable {
    private static final String STATE_ENV = "PK3S_PROFILE_STATE_DIR";
    private static final String SIGNATURE_POLICY = "PK3S_SIGNATURE_POLICY";
    private static final String ALLOWED_SIGNERS = "PK3S_ALLOWED_SIGNERS";
    private static final List<String> PACKAGE_ENV = List.of("PK3S_PROFILE_OVERRIDE_ENV_FILE", STATE_ENV, "PK3S_PROFILE_MAKE_BIN",
            "PRODUCTIVE_K3S_SOURCE", "PRODUCTIVE_K3S_VERSION", "PK3S_CATALOG_URLS", "PK3S_INFRA_MAX_PACKAGE_BYTES", "PK3S_INFRA_PACKAGE_CACHE_BYTES",
            "PK3S_STATE_BACKEND", SIGNATURE_POLICY, ALLOWED_SIGNERS);
    private static final List<String> STATE_ENVS = List.of(STATE_ENV, "PK3S_STATE_BACKEND");
    private static final List<String> SOURCE_ENV = List.of("PRODUCTIVE_K3S_PROFILES_REPO_DIR", "PRODUCTIVE_K3S_INFRA_MAKE_BIN",
            "PRODUCTIVE_K3S_SOURCE", "PRODUCTIVE_K3S_VERSION");
    private static final JsonForm RUN_SUMMARY = JsonForm.of("run");
    private static final JsonForm STREAMS = JsonForm.none("streams make's output; its result is the exit code");

    private static final String NO_TGZ = "--tgz may be omitted with --name when the cluster's state records a package "
            + "that is still there with the same sha256 (its recorded path or the download cache); the override env file "
            + "is never taken from the state.";
    private static final String LIST_DETAILS = "Every cluster (state name) with current state: name, profile, version, "
            + "last action, result, when, and who holds its lock right now. A destroyed cluster is not listed; its history is kept.";

    /**
     * Commands that change a cluster's state: an unknown flag there is refused instead of ignored, since the one
     * the user meant may have chosen the cluster (docs/cli.md "Typos"). {@code state push} counts once it exists.
     */
    private static final Set<String> CHANGES_STATE = Set.of("profile install", "profile apply", "profile destroy",
            "state rollback", "state unlock", "state migrate", "state push", "state rekey");

    private CommandTable() {
    }

    /** Every row, in table (print) order: builds every section. */
    public static List<CommandSpec> all() {
        return AllRows.ROWS;
    }

    /**
     * The rows whose first word is {@code firstWord}, in table order, building only the sections that word is in
     * (docs/performance.md "The command table, built per first word"); empty for a word that names no command.
     */
    public static List<CommandSpec> startingWith(String firstWord) {
        List<CommandSpec> rows = new ArrayList<>();
        for (CommandSpec spec : sectionOf(firstWord)) {
            if (spec.words().get(0).equals(firstWord)) {
                rows.add(spec);
            }
        }
        return List.copyOf(rows);
    }

    /** The rows of the sections that hold {@code firstWord}'s commands (see the holder classes below). */
    private static List<CommandSpec> sectionOf(String firstWord) {
        return switch (firstWord) {
            case "profile" -> ProfileRows.ROWS;
            case "state" -> StateRows.ROWS;
            case "help", "version", "bundle", "bom" -> InfoRows.ROWS;
            case "doctor" -> DoctorRows.ROWS;
            case "list-profiles", "validate-profile", "validate", "plan", "apply", "destroy", "status", "export", "dev" ->
                    SourceRows.ROWS;
            case "multipass", "onprem-basic", "onprem", "on-prem", "onprem-basic-arm", "onprem-arm", "on-prem-arm",
                    "aws-single-node" -> LegacyRows.ROWS;
            case "catalog", "core" -> ArtifactRows.ROWS;
            case "telemetry", "completion" -> ToolRows.ROWS;
            default -> List.of();
        };
    }

    /** The row whose words are the longest prefix of {@code positionals}. */
    public static Optional<CommandSpec> find(List<String> positionals) {
        if (positionals.isEmpty()) {
            return Optional.empty();
        }
        CommandSpec best = null;
        for (CommandSpec spec : startingWith(positionals.get(0))) {
            List<String> words = spec.words();
            if (words.size() <= positionals.size() && positionals.subList(0, words.size()).equals(words)
                    && (best == null || words.size() > best.words().size())) {
                best = spec;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Rows whose words start with {@code prefix} (e.g. {@code profile} → all profile subcommands). */
    public static List<CommandSpec> under(List<String> prefix) {
        List<CommandSpec> rows = prefix.isEmpty() ? all() : startingWith(prefix.get(0));
        return rows.stream().filter(spec -> spec.words().size() > prefix.size()
                && spec.words().subList(0, prefix.size()).equals(prefix)).toList();
    }

    /**
     * Every flag any command takes, plus the global ones, each name once: {@link Flag#ALL}, a constant, so that the
     * parser, which needs it on every command, builds no row. {@code CommandTableTest} derives it from the rows.
     */
    public static List<Flag> flags() {
        return Flag.ALL;
    }

    /** First command words, each once, in table order. */
    public static List<String> firstWords() {
        return all().stream().map(spec -> spec.words().get(0)).distinct().toList();
    }

    /** Whether the first word is a source-only command (docs/contract/invocation.md#surfaces: checked before anything else). */
    public static boolean sourceOnly(String firstWord) {
        for (CommandSpec spec : startingWith(firstWord)) {
            if (spec.surface() == Surface.SOURCE) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code spec} changes a cluster's state (see {@link #CHANGES_STATE}). */
    public static boolean changesState(CommandSpec spec) {
        return CHANGES_STATE.contains(spec.name());
    }

    /** Legacy scenario aliases: their extra arguments, dashes included, belong to make (docs/contract/source.md#legacy-scenario-aliases). */
    public static boolean forwardsArguments(String firstWord) {
        for (CommandSpec spec : startingWith(firstWord)) {
            if (spec.group() == Group.LEGACY) {
                return true;
            }
        }
        return false;
    }

    /*
     * The table in sections, each built when its holder class is first used. Building a row links its handler's
     * method references (an invokedynamic call site each), so 'version' builds and links its own section, not the
     * whole table (docs/performance.md "The command table, built per first word"). A section holds whole first words,
     * startingWith maps each word to its sections, and CommandTableTest checks that map against all().
     */
    private static final class AllRows {
        static final List<CommandSpec> ROWS = concat(PackageRows.ROWS, StateRows.ROWS, InfoRows.ROWS, DoctorRows.ROWS,
                SourceRows.ROWS, LegacyRows.ROWS, ArtifactRows.ROWS, AuthoringRows.ROWS, ToolRows.ROWS);
    }

    /** {@code profile …}: the package commands, then the authoring ones, as in the whole table. */
    private static final class ProfileRows {
        static final List<CommandSpec> ROWS = concat(PackageRows.ROWS, AuthoringRows.ROWS);
    }

    private static final class PackageRows {
        static final List<CommandSpec> ROWS = packageRows();
    }

    private static final class StateRows {
        static final List<CommandSpec> ROWS = stateSection();
    }

    private static final class InfoRows {
        static final List<CommandSpec> ROWS = infoRows();
    }

    private static final class DoctorRows {
        static final List<CommandSpec> ROWS = doctorRows();
    }

    private static final class SourceRows {
        static final List<CommandSpec> ROWS = sourceRows();
    }

    private static final class LegacyRows {
        static final List<CommandSpec> ROWS = legacyRows();
    }

    private static final class ArtifactRows {
        static final List<CommandSpec> ROWS = artifactRows();
    }

    private static final class AuthoringRows {
        static final List<CommandSpec> ROWS = authoringRows();
    }

    private static final class ToolRows {
        static final List<CommandSpec> ROWS = toolRows();
    }

    @SafeVarargs
    private static List<CommandSpec> concat(List<CommandSpec>... sections) {
        List<CommandSpec> rows = new ArrayList<>();
        for (List<CommandSpec> section : sections) {
            rows.addAll(section);
        }
        return List.copyOf(rows);
    }

    private static List<CommandSpec> packageRows() {
        List<CommandSpec> rows = new ArrayList<>();
        // Package commands lead the usage: they are what release and export bundles offer.
        rows.add(row("profile validate").runs(PackageCommands.ValidateOptions::parse, PackageCommands::validate).group(Group.PACKAGE).synopsis("profile validate --tgz <file>")
                .summary("check a package's structure, reading the archive only; runs nothing")
                .details("Reads profile.tgz as a stream and checks profile.yaml (docs/contract/package.md#structural-validation). Problems that would stop an "
                        + "install are reported as WARN lines; the exit code stays 0, unless --strict makes the first "
                        + "of them the error (exit 4).")
                .flags(Flag.TGZ, Flag.STRICT, Flag.JSON, Flag.SIGNATURE, Flag.OFFLINE).examples("profile validate --tgz ./profile.tgz",
                        "profile validate --tgz ./profile.tgz --strict", "profile validate --tgz aws-single-node@1.2.0 --json")
                .env("PK3S_CATALOG_URLS", "PK3S_INFRA_MAX_PACKAGE_BYTES", SIGNATURE_POLICY, ALLOWED_SIGNERS).exits(0, 3, 4)
                .json(JsonForm.of("validate")).done());
        rows.add(row("profile verify").runs(PackageCommands.VerifyOptions::parse, PackageCommands::verify).group(Group.PACKAGE).synopsis("profile verify --tgz <file> [--signature <file>]")
                .summary("who signed a package: signer, key fingerprint, namespace and the policy's verdict; runs nothing")
                .details("Finds the package's OpenSSH signature as every run does (--signature, <file>.sig beside it, <url>.sig, "
                        + "the catalog entry's or the signed catalog index) and checks it against the trust file "
                        + "(PK3S_ALLOWED_SIGNERS, else ~/.config/pk3s/allowed_signers) under PK3S_SIGNATURE_POLICY (off, "
                        + "auto, require). Prints the signer, the key's SHA256 fingerprint as ssh-keygen -l prints it, the "
                        + "namespace (pk3s-profile) and the verdict; exit 4 when the policy would refuse the package. "
                        + "See docs/signing.md.")
                .flags(Flag.TGZ, Flag.SIGNATURE, Flag.JSON, Flag.OFFLINE)
                .examples("profile verify --tgz ./profile.tgz", "profile verify --tgz ./profile.tgz --signature ./profile.tgz.sig --json")
                .env(SIGNATURE_POLICY, ALLOWED_SIGNERS, "PK3S_CATALOG_URLS").exits(0, 3, 4).json(JsonForm.of("verify")).done());
        for (String sub : List.of("install", "apply")) {
            rows.add(row("profile " + sub).runs(in -> PackageCommands.RunOptions.parse(sub, in), PackageCommands::run).group(Group.PACKAGE).synopsis("profile " + sub + " --tgz <file>")
                    .summary(sub.equals("install") ? "run the package's installer, then persist its state"
                            : "the same as 'profile install'")
                    .details("Validates the package, merges profile.env with the override env file, checks the required "
                            + "inputs, locks the profile's state, restores it, runs the install script with bash and "
                            + "persists the state whatever the result (docs/contract/runs.md#install-and-apply). --dry-run switches to plan. "
                            + "--name keys the state (one package, several clusters); --lock-timeout waits for a run "
                            + "holding the lock. A cluster name belongs to the package that wrote its state: another "
                            + "package is refused (exit 4) unless --replace is given.")
                    .flags(Flag.TGZ, Flag.ENV_FILE, Flag.NAME, Flag.LOCK_TIMEOUT, Flag.REPLACE, Flag.DRY_RUN, Flag.JSON,
                            Flag.SIGNATURE, Flag.OFFLINE)
                    .examples("profile " + sub + " --tgz ./profile.tgz --env-file ./site.env",
                            "profile " + sub + " --tgz ./profile.tgz --env-file ./site-b.env --name site-b --lock-timeout 5m",
                            "profile " + sub + " --tgz ./profile.tgz --env-file ./site.env --dry-run")
                    .env(PACKAGE_ENV).env("TELEMETRY_ENABLED").exits(0, 2, 3, 4, 5).childCodes().json(RUN_SUMMARY).done());
        }
        rows.add(row("profile plan").runs(in -> PackageCommands.RunOptions.parse("plan", in), PackageCommands::run).group(Group.PACKAGE).synopsis("profile plan --tgz <file>")
                .summary("OpenTofu plan, or make -n of the apply target; never persists state")
                .details("OpenTofu packages run 'init -backend=false' then 'plan'; ansible/shell packages run "
                        + "'make -n <apply target>' (docs/contract/runs.md#plan). " + NO_TGZ)
                .flags(Flag.TGZ, Flag.ENV_FILE, Flag.NAME, Flag.LOCK_TIMEOUT, Flag.JSON, Flag.SIGNATURE, Flag.OFFLINE)
                .examples("profile plan --tgz ./profile.tgz --env-file ./site.env", "profile plan --name site-b --env-file ./site-b.env")
                .env(PACKAGE_ENV).env("PRODUCTIVE_K3S_INFRA_TOFU_BIN").exits(0, 1, 3, 4, 5).childCodes().json(RUN_SUMMARY).done());
        rows.add(row("profile status").runs(in -> PackageCommands.RunOptions.parse("status", in), PackageCommands::run).group(Group.PACKAGE).synopsis("profile status --tgz <file>")
                .summary("run the scenario's status target against the restored state")
                .flags(Flag.TGZ, Flag.ENV_FILE, Flag.NAME, Flag.LOCK_TIMEOUT, Flag.JSON, Flag.SIGNATURE, Flag.OFFLINE)
                .examples("profile status --tgz ./profile.tgz --env-file ./site.env", "profile status --name site-b --env-file ./site-b.env")
                .details("Restores the profile's state, runs make <status target> and persists the state on success (docs/contract/runs.md#status). "
                        + NO_TGZ)
                .env(PACKAGE_ENV).exits(0, 3, 4, 5).childCodes().json(RUN_SUMMARY).done());
        rows.add(row("profile destroy").runs(in -> PackageCommands.RunOptions.parse("destroy", in), PackageCommands::run).group(Group.PACKAGE).synopsis("profile destroy --tgz <file>")
                .summary("run the scenario's destroy target; remove the state on success")
                .details("Success removes the profile's state; a failure keeps it so the destroy can be retried (docs/contract/runs.md#destroy). "
                        + "--dry-run runs make -n and leaves state alone. " + NO_TGZ)
                .flags(Flag.TGZ, Flag.ENV_FILE, Flag.NAME, Flag.LOCK_TIMEOUT, Flag.DRY_RUN, Flag.JSON, Flag.SIGNATURE, Flag.OFFLINE)
                .examples("profile destroy --tgz ./profile.tgz --env-file ./site.env", "profile destroy --name site-b --env-file ./site-b.env")
                .env(PACKAGE_ENV).env("TELEMETRY_ENABLED").exits(0, 2, 3, 4, 5).childCodes().json(RUN_SUMMARY).done());
        rows.add(row("profile export").runs(PackageCommands.ExportOptions::parse, PackageCommands::export).group(Group.PACKAGE).synopsis("profile export --tgz <file> --output <file|dir>")
                .summary("write a self-contained installer bundle (directory or .tgz)")
                .details("Validates the package and writes install.sh, the package, install-config.env, manifest.json and "
                        + "the embedded engine to --output (docs/export.md). No state access, no telemetry.")
                .flags(Flag.TGZ, Flag.OUTPUT, Flag.ENV_FILE, Flag.FORCE, Flag.JSON, Flag.SIGNATURE, Flag.OFFLINE)
                .examples("profile export --tgz ./profile.tgz --output ./bundle", "profile export --tgz ./profile.tgz --output ./bundle.tgz --env-file ./site.env")
                .env("TELEMETRY_ENABLED", "PK3S_PROFILE_OVERRIDE_ENV_FILE", SIGNATURE_POLICY, ALLOWED_SIGNERS).exits(0, 3, 4)
                .json(JsonForm.of("export")).done());
        rows.add(row("profile list").runs((call, in) -> new StateCommands(call).list("profile list")).group(Group.PACKAGE).synopsis("profile list [--json]")
                .summary("every cluster with state: name, profile, version, last action, result, when")
                .details(LIST_DETAILS + " The same as 'state list'.").flags(Flag.JSON)
                .examples("profile list", "profile list --json").env(STATE_ENVS).exits(0, 1, 4).json(JsonForm.of("state-list")).done());
        return List.copyOf(rows);
    }

    private static List<CommandSpec> infoRows() {
        List<CommandSpec> rows = new ArrayList<>();
        rows.add(row("help").runs(InfoCommands::help).group(Group.INFO).synopsis("help").summary("this text; 'help <command>' for one command")
                .details("Prints the usage. 'help <command>' and '<command> --help' print a command's flags, examples, "
                        + "environment and exit codes.")
                .examples("help", "help profile install").exits(0, 2).json(JsonForm.none("prints usage text")).done());
        rows.add(row("version").runs(InfoCommands::version).group(Group.INFO).synopsis("version").summary("the engine version")
                .details("Prints the engine version (docs/contract/core.md#engine-version); with --json the bundle-info document (docs/contract/output.md#bundle-info-document).")
                .flags(Flag.JSON).examples("version", "version --json").env("PRODUCTIVE_K3S_INFRA_VERSION").exits(0)
                .json(JsonForm.of("bundle-info")).done());
        rows.add(row("bundle info").runs(InfoCommands::bundleInfo).group(Group.INFO).synopsis("bundle info --json").summary("bundle identity for pk3s (JSON only)")
                .details("Prints the bundle-info document (docs/contract/output.md#bundle-info-document); requires --json.")
                .flags(Flag.JSON).examples("bundle info --json").exits(0, 2).json(JsonForm.of("bundle-info")).done());
        rows.add(row("bom").runs(InfoCommands::bom).group(Group.INFO).synopsis("bom --json").summary("bill of materials: requirements, scenarios (JSON only)")
                .details("Prints the BOM document (docs/contract/output.md#bom-document); requires --json.")
                .flags(Flag.JSON).examples("bom --json").exits(0, 2).json(JsonForm.of("bom")).done());
        return List.copyOf(rows);
    }

    private static List<CommandSpec> doctorRows() {
        List<CommandSpec> rows = new ArrayList<>();
        rows.add(row("doctor").runs(PackageCommands.DoctorOptions::parse, PackageCommands::doctor).group(Group.INFO).synopsis("doctor").summary("check this host (and a package or profile) before a run")
                .details("Read-only: checks bash, make, Java and the release binding; with --tgz every check an install makes "
                        + "before its first side effect; with --profile the source profile and its tools (docs/cli.md#doctor).")
                .flags(Flag.TGZ, Flag.ENV_FILE, Flag.NAME, Flag.PROFILE, Flag.JSON, Flag.SIGNATURE, Flag.OFFLINE)
                .examples("doctor", "doctor --tgz ./profile.tgz --env-file ./site.env --json",
                        "doctor --tgz ./profile.tgz --env-file ./site-b.env --name site-b")
                .env(PACKAGE_ENV).env("PRODUCTIVE_K3S_PROFILES_REPO_DIR", "PRODUCTIVE_K3S_INFRA_TOFU_BIN").exits(0, 3, 4, 5)
                .json(JsonForm.of("doctor")).done());
        return List.copyOf(rows);
    }

    private static List<CommandSpec> sourceRows() {
        List<CommandSpec> rows = new ArrayList<>();
        rows.add(row("list-profiles").runs(SourceCommands::listProfiles).group(Group.SOURCE).surface(Surface.SOURCE).synopsis("list-profiles")
                .summary("source profiles of the productive-k3s-profiles checkout")
                .details("Prints profiles/<path>.env for every profile of the checkout, sorted (docs/contract/source.md#list-profiles).")
                .flags(Flag.JSON).examples("list-profiles").env("PRODUCTIVE_K3S_PROFILES_REPO_DIR").exits(0, 3)
                .json(JsonForm.of("profiles")).done());
        rows.add(row("validate-profile").runs(SourceCommands.SourceOptions::parse,
                        (call, options) -> SourceCommands.validateProfile(call, SourceCommand.validateProfile(), options)).group(Group.SOURCE).surface(Surface.SOURCE).synopsis("validate-profile --profile <file>")
                .summary("check a source profile against the contract; needs no checkout")
                .details("Checks the source profile contract (docs/contract/source.md#source-profile-contract) and prints the scenario and engine.")
                .flags(Flag.PROFILE, Flag.PROFILE_ENV).examples("validate-profile --profile ./profiles/edge/on-prem/basic.env")
                .exits(0, 3, 4).json(JsonForm.none("prints the contract's progress lines")).done());
        for (String cmd : List.of("validate", "plan", "apply", "destroy", "status")) {
            rows.add(row(cmd).runs(SourceCommands.SourceOptions::parse,
                    (call, options) -> SourceCommands.run(call, SourceCommand.direct(cmd), options)).group(Group.SOURCE).surface(Surface.SOURCE).synopsis(cmd + " --profile <file>")
                    .summary(switch (cmd) {
                        case "validate" -> "source profile: contract check, then make validate";
                        case "plan" -> "source profile: OpenTofu plan or make -n";
                        case "apply" -> "source profile: make <apply target> (--dry-run plans)";
                        case "destroy" -> "source profile: make <destroy target>";
                        default -> "source profile: make <status target>";
                    })
                    .details("Source dispatch (docs/contract/source.md#source-dispatch): contract check, checkout and scenario directory, then the "
                            + "scenario's make target with the profile's variables.")
                    .flags(cmd.equals("apply") || cmd.equals("destroy") ? List.of(Flag.PROFILE, Flag.PROFILE_ENV, Flag.DRY_RUN)
                            : List.of(Flag.PROFILE, Flag.PROFILE_ENV))
                    .examples(cmd + " --profile ./profiles/edge/on-prem/basic.env").env(SOURCE_ENV).exits(0, 1, 2, 3, 4, 5)
                    .childCodes().json(STREAMS).done());
        }
        rows.add(row("export").runs(SourceCommands.ExportOptions::parse, (call, options) -> SourceCommands.export(call, false, options)).group(Group.SOURCE).surface(Surface.SOURCE).synopsis("export --profile <file> --output <file|dir>")
                .summary("normalize a source profile into a package and export a bundle")
                .details("Normalizes the source profile to a profile.tgz (docs/contract/source.md#normalized-package) and exports it like 'profile export'.")
                .flags(Flag.PROFILE, Flag.PROFILE_ENV, Flag.OUTPUT, Flag.ENV_FILE, Flag.FORCE)
                .examples("export --profile ./profiles/edge/on-prem/basic.env --output ./bundle")
                .env(SOURCE_ENV).env("TELEMETRY_ENABLED").exits(0, 3, 4).json(JsonForm.none("prints the bundle location")).done());
        for (String action : List.of("validate", "plan", "apply", "destroy", "status", "export")) {
            rows.add(row("dev profile " + action).runs(devProfile(action)).group(Group.SOURCE).surface(Surface.SOURCE)
                    .summary("developer alias of '" + (action.equals("validate") ? "validate-profile" : action) + " --profile'")
                    .details("Developer spelling (docs/contract/invocation.md#source-commands): 'validate' is validate-profile, 'export' is export, the "
                            + "others are source dispatch.")
                    .flags(action.equals("export") ? List.of(Flag.PROFILE_ENV, Flag.PROFILE, Flag.OUTPUT, Flag.ENV_FILE, Flag.FORCE)
                            : action.equals("apply") || action.equals("destroy") ? List.of(Flag.PROFILE_ENV, Flag.PROFILE, Flag.DRY_RUN)
                            : List.of(Flag.PROFILE_ENV, Flag.PROFILE))
                    .examples("dev profile " + action + " --profile-env ./profiles/local/multipass/1-server-2-agents.env"
                            + (action.equals("export") ? " --output ./bundle" : ""))
                    .env(SOURCE_ENV).exits(0, 1, 2, 3, 4, 5).childCodes().json(STREAMS).done());
        }
        return List.copyOf(rows);
    }

    private static List<CommandSpec> legacyRows() {
        List<CommandSpec> rows = new ArrayList<>();
        legacy(rows, "multipass", "multipass [command]");
        legacy(rows, "onprem-basic", "onprem | onprem-basic [command]");
        legacy(rows, "onprem", null);
        legacy(rows, "on-prem", null);
        legacy(rows, "onprem-basic-arm", "onprem-arm | onprem-basic-arm [command]");
        legacy(rows, "onprem-arm", null);
        legacy(rows, "on-prem-arm", null);
        legacy(rows, "aws-single-node", "aws-single-node [command]");
        return List.copyOf(rows);
    }

    private static List<CommandSpec> artifactRows() {
        List<CommandSpec> rows = new ArrayList<>();
        rows.add(row("catalog list").runs(ArtifactCommands.CatalogOptions::parse, ArtifactCommands::catalogList).group(Group.ARTIFACT).synopsis("catalog list [--json]")
                .summary("profiles of the first catalog that loads")
                .details("Loads the catalog index (PK3S_CATALOG_URLS, downloads verified and cached) and lists its profiles.")
                .flags(Flag.JSON, Flag.OFFLINE).examples("catalog list", "catalog list --offline --json")
                .env("PK3S_CATALOG_URLS", "XDG_CACHE_HOME").exits(0, 3, 4).json(JsonForm.of("catalog-list")).done());
        rows.add(row("catalog show").runs(ArtifactCommands.CatalogShowOptions::parse, ArtifactCommands::catalogShow).group(Group.ARTIFACT).synopsis("catalog show <name>[@<version>] [--json]")
                .summary("one catalog profile: versions, artifact, compatibility")
                .details("Shows the catalog entry a name (or name@version) resolves to.")
                .flags(Flag.JSON, Flag.OFFLINE).examples("catalog show aws-single-node", "catalog show aws-single-node@1.2.0 --json")
                .env("PK3S_CATALOG_URLS", "XDG_CACHE_HOME").exits(0, 3, 4).json(JsonForm.of("catalog-show")).done());
        rows.add(row("core fetch").runs(ArtifactCommands.CoreOptions::parse, ArtifactCommands::coreFetch).group(Group.ARTIFACT).synopsis("core fetch [--version <v>] [--json]")
                .summary("download and verify a Core release bundle into the cache")
                .details("Downloads the Core bundle of the bound (or requested) version, verifies it and caches it for "
                        + "air-gapped use.")
                .flags(Flag.VERSION, Flag.JSON, Flag.OFFLINE).examples("core fetch", "core fetch --version 0.9.6 --json")
                .env("PRODUCTIVE_K3S_VERSION", "XDG_CACHE_HOME").exits(0, 3, 4).json(JsonForm.of("core-bundle")).done());
        rows.add(row("core info").runs(ArtifactCommands.CoreOptions::parse, ArtifactCommands::coreInfo).group(Group.ARTIFACT).synopsis("core info [--version <v>] [--json]")
                .summary("what the cache holds for a Core version; never downloads")
                .flags(Flag.VERSION, Flag.JSON).examples("core info", "core info --version 0.9.6 --json")
                .details("Prints the cached Core bundle of the bound (or requested) version.")
                .env("PRODUCTIVE_K3S_VERSION", "XDG_CACHE_HOME").exits(0, 3, 4).json(JsonForm.of("core-bundle")).done());
        return List.copyOf(rows);
    }

    private static List<CommandSpec> authoringRows() {
        List<CommandSpec> rows = new ArrayList<>();
        rows.add(row("profile pack").runs(PackageCommands.PackOptions::parse, PackageCommands::pack).group(Group.AUTHORING)
                .synopsis("profile pack --source <dir> --output <file.tgz>   (reproducible package, prints its sha256)\n"
                        + "profile pack --profile <file.env> --output <file.tgz>")
                .summary("build a reproducible profile.tgz from a directory or a source profile")
                .details("Packs --source <dir> (or normalizes --profile <file.env>) into a byte-reproducible profile.tgz "
                        + "and prints its sha256. --sign-key KEY signs it with ssh-keygen -Y sign (namespace pk3s-profile) "
                        + "into <file.tgz>.sig; KEY may be a private key file, or a .pub whose private key is in ssh-agent "
                        + "or on a hardware token (docs/signing.md).")
                .flags(Flag.SOURCE, Flag.PROFILE, Flag.OUTPUT, Flag.SIGN_KEY).examples("profile pack --source ./my-profile --output ./profile.tgz",
                        "profile pack --source ./my-profile --output ./profile.tgz --sign-key ~/.ssh/id_ed25519")
                .exits(0, 3, 4).json(JsonForm.none("prints the package's sha256")).done());
        rows.add(row("profile show").runs(PackageCommands.ShowOptions::parse, PackageCommands::show).group(Group.AUTHORING).synopsis("profile show --tgz <file> [--env-file <file>] [--json]")
                .summary("manifest, declared inputs and the merged env with each value's origin; runs nothing")
                .details("Reads the package and the override env file and shows what a run would see: the manifest, each "
                        + "declared input (required, sensitive, source, satisfied) and every merged variable with where its "
                        + "value comes from. Sensitive values are masked. Nothing runs; no state is touched.")
                .flags(Flag.TGZ, Flag.ENV_FILE, Flag.JSON, Flag.SIGNATURE, Flag.OFFLINE)
                .examples("profile show --tgz ./profile.tgz --env-file ./site.env", "profile show --tgz ./profile.tgz --json")
                .env("PK3S_PROFILE_OVERRIDE_ENV_FILE", "PK3S_CATALOG_URLS", SIGNATURE_POLICY, ALLOWED_SIGNERS).exits(0, 3, 4)
                .json(JsonForm.of("profile-show")).done());
        return List.copyOf(rows);
    }

    private static List<CommandSpec> toolRows() {
        List<CommandSpec> rows = new ArrayList<>();
        rows.add(row("telemetry preview").runs(ArtifactCommands.PreviewOptions::parse, ArtifactCommands::telemetryPreview).group(Group.AUTHORING)
                .synopsis("telemetry preview <command line>   (prints the events a command would send; sends nothing)")
                .summary("the telemetry events a command line would send; sends nothing")
                .details("Prints the telemetry events the given command would send, without running it.")
                .flags(Flag.TGZ, Flag.PROFILE, Flag.DRY_RUN, Flag.SIGNATURE, Flag.OFFLINE).examples("telemetry preview profile install --tgz ./profile.tgz")
                .env("TELEMETRY_ENABLED").exits(0, 2, 3, 4).json(JsonForm.none("prints the event documents themselves")).done());
        rows.add(row("completion").runs(InfoCommands.CompletionOptions::parse, InfoCommands::completion).group(Group.AUTHORING).synopsis("completion <bash|zsh>")
                .summary("print a shell completion script")
                .details("Prints a completion script for bash or zsh: commands, subcommands, flags, files for --tgz and "
                        + "--env-file, catalog names from the download cache. Load it with: source <(./productive-k3s-infra.sh completion bash)")
                .examples("completion bash > ~/.local/share/bash-completion/completions/productive-k3s-infra.sh", "completion zsh")
                .exits(0, 2).json(JsonForm.none("prints a shell script")).done());
        return List.copyOf(rows);
    }

    private static List<CommandSpec> stateSection() {
        List<CommandSpec> rows = new ArrayList<>();
        stateRows(rows);
        return List.copyOf(rows);
    }

    /** {@code state …}: the clusters a state backend holds, their history and lock ({@code profile list} is a package row). */
    private static void stateRows(List<CommandSpec> rows) {
        rows.add(row("state list").runs((call, in) -> new StateCommands(call).list("state list")).group(Group.STATE).synopsis("state list [--json]")
                .summary("every cluster with state: name, profile, version, last action, result, when")
                .details(LIST_DETAILS).flags(Flag.JSON)
                .examples("state list", "state list --json").env(STATE_ENVS).exits(0, 1, 4).json(JsonForm.of("state-list")).done());
        rows.add(row("state show").runs(in -> StateCommands.Named.parse("state show", in), (call, options) -> new StateCommands(call).show(options)).group(Group.STATE).synopsis("state show <name> [--json]")
                .summary("one cluster: package, override file, last action, current revision, lock, files")
                .details("Shows what the state of one cluster records (engine-state.json and the current revision) and "
                        + "where its files are. Unknown name: exit 3.")
                .flags(Flag.JSON).examples("state show site-b", "state show site-b --json").env(STATE_ENVS).exits(0, 1, 3, 4)
                .json(JsonForm.of("state-show")).done());
        rows.add(row("state history").runs(in -> StateCommands.Named.parse("state history", in),
                        (call, options) -> new StateCommands(call).history(options)).group(Group.STATE).synopsis("state history <name> [--json]")
                .summary("a cluster's revisions, oldest first: who, when, command, result, package, tree digest")
                .details("Lists every revision the backend keeps for the cluster, including the one a destroy wrote. "
                        + "Unknown name: exit 3.")
                .flags(Flag.JSON).examples("state history site-b", "state history site-b --json").env(STATE_ENVS)
                .exits(0, 1, 3, 4).json(JsonForm.of("state-history")).done());
        rows.add(row("state pull").runs(StateCommands.PullOptions::parse, (call, options) -> new StateCommands(call).pull(options)).group(Group.STATE).synopsis("state pull <name> [--revision <n>] --output <dir>")
                .summary("write a revision (default: the current one) to a directory, digests verified")
                .details("Writes <name>.json beside <name>.runtime/ into --output (absent or empty), verifying every "
                        + "file's digest. Needs no lock: revisions never change. Unknown name or revision: exit 3.")
                .flags(Flag.REVISION, Flag.OUTPUT_DIR, Flag.JSON)
                .examples("state pull site-b --output ./site-b-state", "state pull site-b --revision 3 --output ./r3 --json")
                .env(STATE_ENVS).exits(0, 1, 2, 3, 4).json(JsonForm.of("state-pull")).done());
        rows.add(row("state rollback").runs(StateCommands.RollbackOptions::parse, (call, options) -> new StateCommands(call).rollback(options)).group(Group.STATE).synopsis("state rollback <name> --revision <n>")
                .summary("make an older revision current again, as a new revision; infrastructure is untouched")
                .details("Takes the cluster's lock (waiting up to --lock-timeout) and records revision <n>'s tree as a new "
                        + "revision. Only the state changes: run 'profile status' or 'profile apply' to reconcile the "
                        + "infrastructure with it. Unknown name or revision: exit 3.")
                .flags(Flag.REVISION, Flag.LOCK_TIMEOUT, Flag.JSON)
                .examples("state rollback site-b --revision 3", "state rollback site-b --revision 3 --lock-timeout 1m --json")
                .env(STATE_ENVS).exits(0, 1, 2, 3, 4).json(JsonForm.of("state-rollback")).done());
        rows.add(row("state push").runs(StateCommands.PushOptions::parse, (call, options) -> new StateCommands(call).push(options)).group(Group.STATE).synopsis("state push <name> --from <dir> [--discard]")
                .summary("commit the state a failed run could not commit (or discard it), as a new revision")
                .details("Takes the cluster's lock (waiting up to --lock-timeout) and records the state in --from (the errored "
                        + "copy a run keeps under <state dir>/.errored/<name>/ when its state cannot be committed, or a "
                        + "'state pull' output) as a new revision, command 'state push'; an errored copy is then removed. "
                        + "--discard deletes an errored copy instead. --from missing: exit 3; not such a directory: exit 4.")
                .flags(Flag.FROM, Flag.DISCARD, Flag.LOCK_TIMEOUT, Flag.JSON)
                .examples("state push site-b --from ~/.pk3s/state/.errored/site-b/20261207T101500Z-4242",
                        "state push site-b --from ./site-b-state --lock-timeout 1m --json",
                        "state push site-b --from ~/.pk3s/state/.errored/site-b/20261207T101500Z-4242 --discard")
                .env(STATE_ENVS).exits(0, 1, 2, 3, 4, 5).json(JsonForm.of("state-push")).done());
        rows.add(row("state unlock").runs(StateCommands.UnlockOptions::parse, (call, options) -> new StateCommands(call).unlock(options)).group(Group.STATE).synopsis("state unlock <name> --force")
                .summary("break a cluster's lock and say whose it was")
                .details("For a lock whose holder is gone (a crashed run, a lost workstation). Requires --force: breaking "
                        + "the lock of a run that is still working lets two runs change one cluster.")
                .flags(Flag.FORCE_UNLOCK, Flag.JSON).examples("state unlock site-b --force", "state unlock site-b --force --json")
                .env(STATE_ENVS).exits(0, 1, 2, 3, 4).json(JsonForm.of("state-unlock")).done());
        rows.add(row("state migrate").runs(StateCommands.MigrateOptions::parse, (call, options) -> new StateCommands(call).migrate(options)).group(Group.STATE).synopsis("state migrate --to <backend>|--encrypt|--decrypt")
                .summary("copy every cluster with its history to another backend, or encrypt/decrypt it in place")
                .details("--to copies each cluster of the current backend (PK3S_STATE_BACKEND) to --to, revision by revision, "
                        + "oldest first, under the target's lock, and checks each copied tree's digest. Revisions already "
                        + "there are skipped, so it can be run again. The source is left as it is. --encrypt seals every "
                        + "kept revision of the current backend in place under the current state key; --decrypt rewrites "
                        + "them as plain state (their JSON document is state rekey's). See docs/state.md \"Encryption at rest\".")
                .flags(Flag.TO, Flag.ENCRYPT, Flag.DECRYPT, Flag.LOCK_TIMEOUT, Flag.JSON)
                .examples("state migrate --to postgresql://pk3s@db.example:5432/pk3s", "state migrate --to local --json",
                        "state migrate --encrypt", "state migrate --decrypt --json")
                .env(STATE_ENVS).env("PGPASSWORD").env(StateKeys.VARIABLES).exits(0, 1, 2, 3, 4).json(JsonForm.of("state-migrate")).done());
        rows.add(row("state rekey").runs(StateCommands.RekeyOptions::parse, (call, options) -> new StateCommands(call).rekey(options)).group(Group.STATE).synopsis("state rekey <name>|--all")
                .summary("rewrite every kept revision of a cluster (or all) under the current state key")
                .details("Key rotation: under the cluster's lock, every kept revision and every object it references is "
                        + "read with any known key (the current one or PK3S_STATE_ENCRYPTION_OLD_KEY_FILES) and sealed again "
                        + "under the current key, one revision at a time; then objects nothing references any more are "
                        + "removed. Afterwards the old key is not needed. Needs a current key (exit 4 without). Safe to run "
                        + "again, and after an interruption. See docs/state.md \"Encryption at rest\".")
                .flags(Flag.ALL_CLUSTERS, Flag.LOCK_TIMEOUT, Flag.JSON)
                .examples("state rekey site-b", "state rekey --all --lock-timeout 1m --json")
                .env(STATE_ENVS).env(StateKeys.VARIABLES).exits(0, 1, 2, 3, 4).json(JsonForm.of("state-rekey")).done());
        rows.add(row("state keygen").runs(StateCommands.KeygenOptions::parse, (call, options) -> new StateCommands(call).keygen(options)).group(Group.STATE).synopsis("state keygen [--output <file>]")
                .summary("write a new random state encryption key (32 bytes, base64) for PK3S_STATE_ENCRYPTION_KEY_FILE")
                .details("Writes a fresh key to --output, a new file created with mode 0600 (an existing file is never "
                        + "replaced), and prints its key id; without --output the key goes to stdout. Touches no backend. "
                        + "See docs/state.md \"Encryption at rest\".")
                .flags(Flag.KEY_OUTPUT, Flag.JSON).examples("state keygen --output ~/.pk3s/state.key", "state keygen --output ./team.key --json")
                .exits(0, 1, 2, 3, 4).json(JsonForm.of("state-keygen")).done());
    }

    /** {@code dev profile <action>}: the developer spelling of validate-profile, export and source dispatch. */
    private static Command<?> devProfile(String action) {
        return switch (action) {
            case "validate" -> new Command<>(SourceCommands.SourceOptions::parse,
                    (call, options) -> SourceCommands.validateProfile(call, SourceCommand.dev("validate"), options));
            case "export" -> new Command<>(SourceCommands.ExportOptions::parse,
                    (call, options) -> SourceCommands.export(call, true, options));
            default -> new Command<>(SourceCommands.SourceOptions::parse,
                    (call, options) -> SourceCommands.run(call, SourceCommand.dev(action), options));
        };
    }

    private static void legacy(List<CommandSpec> rows, String word, String synopsis) {
        rows.add(row(word).runs(SourceCommands.LegacyOptions::parse, SourceCommands::legacy).group(Group.LEGACY).surface(Surface.SOURCE).synopsis(synopsis)
                .summary("legacy scenario alias: make [target] [make-args...] in the scenario")
                .details("Runs the scenario's make target (default: its apply target) in the checkout; extra arguments, "
                        + "flags included, go to make (docs/contract/source.md#legacy-scenario-aliases).")
                .flags(Flag.DRY_RUN).examples(word + " status").env("PRODUCTIVE_K3S_PROFILES_REPO_DIR", "PRODUCTIVE_K3S_INFRA_MAKE_BIN")
                .exits(0, 1, 2, 3, 5).childCodes().json(STREAMS).done());
    }

    private static Row row(String words) {
        return new Row(Arrays.asList(words.split(" ")));
    }

    /** Builder for one row, so the table reads as a list of commands. */
    private static final class Row {
        private final List<String> words;
        private Group group;
        private Surface surface = Surface.BOTH;
        private String synopsis;
        private String summary;
        private String details = "";
        private List<Flag> flags = List.of();
        private List<String> examples = List.of();
        private final List<String> env = new ArrayList<>();
        private List<Integer> exits = List.of(0);
        private boolean childCodes;
        private JsonForm json;
        private Command<?> command;

        Row(List<String> words) {
            this.words = words;
        }

        Row group(Group value) {
            group = value;
            return this;
        }

        Row surface(Surface value) {
            surface = value;
            return this;
        }

        Row synopsis(String value) {
            synopsis = value;
            return this;
        }

        Row summary(String value) {
            summary = value;
            return this;
        }

        Row details(String value) {
            details = value;
            return this;
        }

        Row flags(Flag... value) {
            flags = List.of(value);
            return this;
        }

        Row flags(List<Flag> value) {
            flags = value;
            return this;
        }

        Row examples(String... value) {
            examples = List.of(value);
            return this;
        }

        Row env(String... names) {
            return env(List.of(names));
        }

        Row env(List<String> names) {
            for (String name : names) { // a loop, not a stream: rows are built on every command
                if (!env.contains(name)) {
                    env.add(name);
                }
            }
            return this;
        }

        Row exits(Integer... codes) {
            exits = List.of(codes);
            return this;
        }

        Row childCodes() {
            childCodes = true;
            return this;
        }

        Row runs(Command<?> value) {
            command = value;
            return this;
        }

        Row json(JsonForm value) {
            json = value;
            return this;
        }

        /** The command's options record, read from the command line, and the handler that runs with it. */
        <O> Row runs(Function<Invocation, O> options, Command.Handler<O> handler) {
            command = new Command<>(options, handler);
            return this;
        }

        /** A command that reads no flag of its own beyond the global ones. */
        Row runs(Command.Handler<Invocation> handler) {
            command = Command.plain(handler);
            return this;
        }

        CommandSpec done() {
            Objects.requireNonNull(command, () -> String.join(" ", words) + " has no handler");
            return new CommandSpec(words, group, surface, synopsis, summary, details, flags, examples, env, exits, childCodes, json,
                    command);
        }
    }
}
