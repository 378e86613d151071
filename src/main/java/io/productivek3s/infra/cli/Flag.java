package io.productivek3s.infra.cli;

import java.util.List;

/**
 * One command-line flag: its name, the placeholder of its value ({@code null} for a boolean flag) and a one-line
 * description. The parser, help and completion all read flags from here, so a flag is declared once.
 */
public record Flag(String name, String value, String description, Completes completes) {
    /** What the shell should offer for the flag's value. */
    public enum Completes {
        NOTHING, FILE, DIRECTORY, PACKAGE, WORDS
    }

    public static final Flag TGZ = new Flag("--tgz", "<file>",
            "profile.tgz: a path, an http(s) URL, or a catalog NAME[@VERSION]", Completes.PACKAGE);
    public static final Flag ENV_FILE = new Flag("--env-file", "<file>",
            "override env file (wins over PK3S_PROFILE_OVERRIDE_ENV_FILE)", Completes.FILE);
    public static final Flag OUTPUT = new Flag("--output", "<file|dir>",
            "where to write: a .tgz/.tar.gz archive or a directory", Completes.FILE);
    public static final Flag PROFILE = new Flag("--profile", "<file>", "source profile .env file", Completes.FILE);
    public static final Flag PROFILE_ENV = new Flag("--profile-env", "<file>", "same as --profile (the dev commands' name)",
            Completes.FILE);
    public static final Flag EVENTS = new Flag("--events", "ndjson",
            "operation events as JSON lines on stdout; logs move to stderr", Completes.WORDS);
    public static final Flag SOURCE = new Flag("--source", "<dir>", "package source directory to pack", Completes.DIRECTORY);
    public static final Flag VERSION = new Flag("--version", "<v>", "Core version (default: the bound or release default)",
            Completes.NOTHING);
    public static final Flag DEBUG = toggle("--debug", "diagnostic trace on stderr (secrets masked)");
    public static final Flag YES = toggle("--yes", "accepted for compatibility; nothing asks for confirmation");
    public static final Flag DRY_RUN = toggle("--dry-run", "show what would run; never mutates");
    public static final Flag JSON = toggle("--json",
            "print the result as JSON on stdout (logs go to stderr); also -o json");
    public static final Flag FORCE = toggle("--force", "allow replacing a non-empty --output directory");
    public static final Flag STRICT = toggle("--strict",
            "fail (exit 4) when the package is not executable as-is, e.g. its install script is missing");
    public static final Flag SIGNATURE = new Flag("--signature", "<file>",
            "the package's OpenSSH signature (default: <file>.sig beside it, <url>.sig, or the catalog's)", Completes.FILE);
    public static final Flag SIGN_KEY = new Flag("--sign-key", "<key>",
            "sign the package with ssh-keygen -Y sign: a private key, or a .pub whose key is in ssh-agent or a token",
            Completes.FILE);
    public static final Flag OFFLINE = toggle("--offline", "use only the download cache; never download");

    public static final Flag NAME = new Flag("--name", "<name>",
            "cluster name that keys the state (default: the package's metadata.name)", Completes.NOTHING);
    public static final Flag LOCK_TIMEOUT = new Flag("--lock-timeout", "<duration>",
            "wait this long for the state lock: 30s, 5m, 1h, 500ms or seconds (default 0: fail at once)", Completes.NOTHING);
    public static final Flag REPLACE = toggle("--replace",
            "let this package take over a cluster name whose state another package wrote");
    public static final Flag REVISION = new Flag("--revision", "<n>", "state revision number (see 'state history')",
            Completes.NOTHING);
    public static final Flag OUTPUT_DIR = new Flag("--output", "<dir>",
            "directory to write <name>.json and <name>.runtime/ into (absent or empty)", Completes.DIRECTORY);
    public static final Flag KEY_OUTPUT = new Flag("--output", "<file>",
            "new file for the key (mode 0600, never overwritten); default: stdout", Completes.FILE);
    public static final Flag TO = new Flag("--to", "<backend>",
            "target state backend: local or a postgresql://user@host:port/db URL", Completes.NOTHING);
    public static final Flag FROM = new Flag("--from", "<dir>",
            "the state to commit: an errored copy (named by the failed run's ERROR) or a 'state pull' output",
            Completes.DIRECTORY);
    public static final Flag DISCARD = toggle("--discard",
            "delete the errored copy named by --from instead of committing it");
    public static final Flag FORCE_UNLOCK = toggle("--force",
            "break the lock whoever holds it (make sure no run is still working on the state)");
    public static final Flag ALL_CLUSTERS = toggle("--all",
            "every cluster of the backend, destroyed ones (kept history) included");
    public static final Flag ENCRYPT = toggle("--encrypt",
            "seal every kept revision of the backend in place under the current state key");
    public static final Flag DECRYPT = toggle("--decrypt",
            "rewrite every kept revision of the backend in place as plain state (read with the keys named)");

    /** Accepted by every command. */
    public static final List<Flag> GLOBAL = List.of(DEBUG, EVENTS, YES);

    /**
     * Every flag name the engine knows, once, in the order the command table first uses it after {@link #GLOBAL}
     * (where two flags share a name, the first of them): what the parser reads on every command without building the
     * table (docs/performance.md "The command table, built per first word"). {@code CommandTableTest} derives this
     * list from the rows, so a flag a new row takes must be added here too.
     */
    public static final List<Flag> ALL = List.of(DEBUG, EVENTS, YES, TGZ, STRICT, JSON, SIGNATURE, OFFLINE, ENV_FILE, NAME,
            LOCK_TIMEOUT, REPLACE, DRY_RUN, OUTPUT, FORCE, REVISION, FROM, DISCARD, TO, ENCRYPT, DECRYPT, ALL_CLUSTERS, PROFILE, PROFILE_ENV,
            VERSION, SOURCE, SIGN_KEY);

    /** A boolean flag: no value, nothing to complete. */
    private static Flag toggle(String name, String description) {
        return new Flag(name, null, description, Completes.NOTHING);
    }

    public boolean takesValue() {
        return value != null;
    }

    /** {@code --tgz <file>} or {@code --debug}. */
    public String synopsis() {
        return takesValue() ? name + " " + value : name;
    }
}
