package io.productivek3s.infra.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/** Texts shared by every command's help: what each exit code means (docs/cli.md#exit-codes) and what each variable does. */
final class Reference {
    /** docs/cli.md#exit-codes, in order; 128+S and child codes are described in words. */
    static final Map<Integer, String> EXIT_CODES = ordered(
            0, "success",
            1, "runtime failure not caused by caller input (internal error, missing scenario/OpenTofu directory)",
            2, "usage: unknown command or subcommand, flag without value, package-only surface, bad --events or --lock-timeout",
            3, "missing required flag, file or directory (--tgz, --profile, --output, package, checkout); unknown state name",
            4, "contract or validation: invalid package/profile, env-file syntax, missing inputs, binding, state lock held",
            5, "missing host dependency (bash, make, tofu or terraform, ssh, java)");

    static final String CHILD_CODES = "N      the exit status of the child (installer, make, tofu), unchanged; 128+S when killed by signal S";

    static final Map<String, String> ENV_VARS = ordered(
            "PK3S_INFRA_RUNTIME_SURFACE", "package-only or source-plus-package (scripts/release.env wins)",
            "PK3S_PROFILE_OVERRIDE_ENV_FILE", "override env file used when --env-file is not given",
            "PK3S_PROFILE_STATE_DIR", "where profile state is kept (default: the user's state dir)",
            "PK3S_STATE_BACKEND", "state backend: local (default) or postgresql://user@host:port/db",
            "PGPASSWORD", "PostgreSQL password when the backend URL and ~/.pgpass give none",
            "PK3S_STATE_ENCRYPTION_KEY_FILE", "file holding the state key (32 bytes, base64; 'state keygen'): turns encryption at rest on",
            "PK3S_STATE_PASSPHRASE_FILE", "instead of a key file: file holding a passphrase the state key is derived from",
            "PK3S_STATE_ENCRYPTION_OLD_KEY_FILES", "older key files, colon-separated, read with after a rotation ('state rekey')",
            "PK3S_SIGNATURE_POLICY", "off, auto (default: a signature present must verify) or require (unsigned is refused)",
            "PK3S_ALLOWED_SIGNERS", "OpenSSH allowed_signers trust file (default: ~/.config/pk3s/allowed_signers)",
            "PK3S_PROFILE_MAKE_BIN", "make binary for packaged profiles",
            "PRODUCTIVE_K3S_INFRA_MAKE_BIN", "make binary for source commands",
            "PRODUCTIVE_K3S_INFRA_TOFU_BIN", "OpenTofu binary (default: tofu, then terraform)",
            "PRODUCTIVE_K3S_PROFILES_REPO_DIR", "productive-k3s-profiles checkout for source commands",
            "PRODUCTIVE_K3S_SOURCE", "Core source: remote or local",
            "PRODUCTIVE_K3S_VERSION", "Core version (refused when the release is bound to another)",
            "PRODUCTIVE_K3S_INFRA_VERSION", "engine version override (source checkouts)",
            "PK3S_CATALOG_URLS", "catalog index URLs or paths, space-separated, first that loads wins",
            "XDG_CACHE_HOME", "download cache root (default: ~/.cache); holds catalogs, packages, Core bundles",
            "TELEMETRY_ENABLED", "true/false: telemetry consent of the invoking user",
            "PK3S_INFRA_MAX_PACKAGE_BYTES", "extraction limit: total unpacked bytes of a profile.tgz",
            "PK3S_INFRA_PACKAGE_CACHE_BYTES", "size of the cache of extracted packages (default 2 GiB; 0: no cache)",
            "PK3S_INFRA_AOT_CACHE", "off: the launcher neither trains nor uses an AOT cache (release bundles with Java 25)",
            "PK3S_INFRA_ENV_EVAL", "bash: evaluate env files the engine cannot parse with bash",
            "PK3S_INFRA_CALLER_CWD", "directory relative paths are resolved against (default: PWD)",
            "PK3S_INFRA_PROGRAM", "program name in usage lines (set by the release installer; default: ./productive-k3s-infra.sh)");

    private Reference() {
    }

    @SuppressWarnings("unchecked")
    private static <K> Map<K, String> ordered(Object... pairs) {
        Map<K, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put((K) pairs[i], (String) pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(map);
    }
}
