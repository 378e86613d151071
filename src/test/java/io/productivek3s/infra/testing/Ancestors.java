package io.productivek3s.infra.testing;

/**
 * A bash snippet for a child of the engine (an install script, a make wrapper) that records what any process of the
 * same user can read about its ancestors: each one's environment and command line from $PPID up to pid 1, and the
 * descriptor the launcher handed the engine its credentials on (docs/state.md "Credentials").
 */
public final class Ancestors {
    private Ancestors() {
    }

    /** Appends the record to the file named by {@code $out}; never fails the script. */
    public static final String WALK = """
            pid=$PPID
            while :; do
              printf '== pid %s\\n' "$pid" >> "$out"
              { tr '\\0' '\\n' < "/proc/$pid/environ"; } >> "$out" 2>&1
              printf '\\n-- cmdline\\n' >> "$out"
              { tr '\\0' ' ' < "/proc/$pid/cmdline"; } >> "$out" 2>&1
              printf '\\n' >> "$out"
              cmdline=$(tr '\\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)
              case $cmdline in
                *-Dpk3s.credentials.fd=*)
                  n=${cmdline#*-Dpk3s.credentials.fd=}; n=${n%% *}
                  printf -- '-- engine fd %s -> %s\\n' "$n" "$(readlink "/proc/$pid/fd/$n")" >> "$out"
                  timeout 2 cat "/proc/$pid/fd/$n" >> "$out" 2>&1
                  printf '\\n-- end of fd\\n' >> "$out"
                  ;;
              esac
              [ "$pid" -le 1 ] && break
              pid=$(awk '/^PPid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
              [ -n "$pid" ] || break
            done
            """;
}
