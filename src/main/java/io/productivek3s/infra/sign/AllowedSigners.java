package io.productivek3s.infra.sign;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * An OpenSSH {@code allowed_signers} trust file (ssh-keygen(1) "ALLOWED SIGNERS"): {@code principals [options]
 * keytype base64 [comment]} per line. Options the engine honours: {@code namespaces="…"}, {@code valid-after="…"},
 * {@code valid-before="…"}. Anything it cannot honour ({@code cert-authority}, an unknown option, a key type the JDK
 * cannot verify) is refused with the line number rather than skipped, so the file never silently trusts less or
 * more than it says (docs/signing.md "Trust model").
 */
public record AllowedSigners(String source, List<Entry> entries) {
    /** A trust file is a short list of people; this bound only stops a wrong path (a disk image) from being read. */
    public static final int MAX_BYTES = 1024 * 1024;

    public AllowedSigners {
        entries = List.copyOf(entries);
    }

    /**
     * One trusted key. {@code namespaces} is the pattern list of {@code namespaces="…"}, empty when the line allows
     * every namespace; the validity bounds are empty when absent.
     */
    public record Entry(int line, String principals, SshKey key, Optional<String> namespaces, Optional<Instant> validAfter,
            Optional<Instant> validBefore) {
        public boolean allowsNamespace(String namespace) {
            return namespaces.map(list -> Patterns.matchesList(namespace, list)).orElse(true);
        }

        /** Empty when {@code now} is inside the validity window, else why not. */
        public Optional<String> outsideValidity(Instant now) {
            if (validAfter.isPresent() && now.isBefore(validAfter.get())) {
                return Optional.of("is valid only from " + validAfter.get());
            }
            if (validBefore.isPresent() && !now.isBefore(validBefore.get())) {
                return Optional.of("was valid only before " + validBefore.get());
            }
            return Optional.empty();
        }
    }

    /** Parses a trust file; {@code zone} interprets times without a {@code Z} suffix, as ssh-keygen does (local time). */
    public static AllowedSigners parse(byte[] content, String source, ZoneId zone) {
        if (content.length > MAX_BYTES) {
            throw new SignatureFormatException(source + " is larger than " + MAX_BYTES + " bytes");
        }
        List<Entry> entries = new ArrayList<>();
        String[] lines = new String(content, StandardCharsets.UTF_8).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                entries.add(entry(i + 1, line, zone));
            } catch (SignatureFormatException e) {
                throw new SignatureFormatException(source + " line " + (i + 1) + ": " + e.getMessage());
            }
        }
        return new AllowedSigners(source, entries);
    }

    private static Entry entry(int number, String line, ZoneId zone) {
        Tokens tokens = new Tokens(line);
        String principals = tokens.next("principals");
        String next = tokens.next("a key type");
        String options = null;
        if (!looksLikeKeyType(next)) {
            options = next;
            next = tokens.next("a key type");
        }
        String base64 = tokens.next("the key");
        SshKey key = SshKey.parse(next, base64);
        Optional<String> namespaces = Optional.empty();
        Optional<Instant> validAfter = Optional.empty();
        Optional<Instant> validBefore = Optional.empty();
        if (options != null) {
            for (String option : Tokens.splitOptions(options)) {
                int eq = option.indexOf('=');
                String name = (eq < 0 ? option : option.substring(0, eq)).toLowerCase(Locale.ROOT);
                String value = eq < 0 ? null : Tokens.unquote(option.substring(eq + 1));
                switch (name) {
                    case "namespaces" -> namespaces = Optional.of(required(name, value));
                    case "valid-after" -> validAfter = Optional.of(time(name, required(name, value), zone));
                    case "valid-before" -> validBefore = Optional.of(time(name, required(name, value), zone));
                    case "cert-authority" -> throw new SignatureFormatException(
                            "cert-authority is not supported (trust the signer's own key instead of a certificate authority)");
                    default -> throw new SignatureFormatException("unsupported option " + name);
                }
            }
        }
        return new Entry(number, principals, key, namespaces, validAfter, validBefore);
    }

    private static boolean looksLikeKeyType(String token) {
        return token.startsWith("ssh-") || token.startsWith("ecdsa-") || token.startsWith("sk-") || token.startsWith("rsa-");
    }

    private static String required(String option, String value) {
        if (value == null || value.isEmpty()) {
            throw new SignatureFormatException(option + " needs a value");
        }
        return value;
    }

    /** {@code YYYYMMDD[HHMM[SS]][Z]}: ssh-keygen's time format, local time unless it ends in {@code Z}. */
    static Instant time(String option, String value, ZoneId zone) {
        boolean utc = value.endsWith("Z") || value.endsWith("z");
        String digits = utc ? value.substring(0, value.length() - 1) : value;
        String pattern = switch (digits.length()) {
            case 8 -> "uuuuMMdd";
            case 12 -> "uuuuMMddHHmm";
            case 14 -> "uuuuMMddHHmmss";
            default -> null;
        };
        if (pattern == null || !digits.chars().allMatch(Character::isDigit)) {
            throw new SignatureFormatException(option + " \"" + value + "\" is not YYYYMMDD[HHMM[SS]][Z]");
        }
        try {
            DateTimeFormatter format = DateTimeFormatter.ofPattern(pattern).withResolverStyle(java.time.format.ResolverStyle.STRICT);
            LocalDateTime local = digits.length() == 8 ? java.time.LocalDate.parse(digits, format).atStartOfDay()
                    : LocalDateTime.parse(digits, format);
            return local.atZone(utc ? ZoneOffset.UTC : zone).toInstant();
        } catch (DateTimeParseException e) {
            throw new SignatureFormatException(option + " \"" + value + "\" is not a valid date");
        }
    }

    /** The entries for a key, in file order. */
    public List<Entry> entriesFor(SshKey key) {
        return entries.stream().filter(entry -> entry.key().sameKey(key)).toList();
    }

    /** Whitespace-separated fields where a double-quoted stretch is part of the field (principals, options). */
    private static final class Tokens {
        private final String line;
        private int position;

        Tokens(String line) {
            this.line = line;
        }

        String next(String what) {
            while (position < line.length() && Character.isWhitespace(line.charAt(position))) {
                position++;
            }
            if (position >= line.length()) {
                throw new SignatureFormatException("missing " + what);
            }
            int start = position;
            boolean quoted = false;
            while (position < line.length() && (quoted || !Character.isWhitespace(line.charAt(position)))) {
                if (line.charAt(position) == '"') {
                    quoted = !quoted;
                }
                position++;
            }
            if (quoted) {
                throw new SignatureFormatException("unterminated quote in " + what);
            }
            String token = line.substring(start, position);
            return what.equals("principals") ? unquote(token) : token;
        }

        static String unquote(String value) {
            return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"") ? value.substring(1, value.length() - 1) : value;
        }

        /** Splits {@code a,b="x,y",c} at commas outside quotes. */
        static List<String> splitOptions(String options) {
            List<String> out = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            boolean quoted = false;
            for (char c : options.toCharArray()) {
                if (c == '"') {
                    quoted = !quoted;
                }
                if (c == ',' && !quoted) {
                    out.add(current.toString());
                    current.setLength(0);
                } else {
                    current.append(c);
                }
            }
            out.add(current.toString());
            return out;
        }
    }
}
