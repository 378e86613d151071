package io.productivek3s.infra.env;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Declarative parser for the bash-compatible env file subset of docs/contract/env-files.md#line-syntax, docs/contract/env-files.md#value-syntax. It only builds segments;
 * nothing is expanded here, so a file is either accepted as a whole or rejected before any value enters the scope.
 * Error messages carry the display path, a line number and at most an operator or variable name, never value text.
 */
final class EnvParser {
    /** One {@code NAME=value} statement; {@code line} is where the statement starts. */
    record Statement(String name, int line, List<Segment> value) {
    }

    record Parsed(List<Statement> statements, List<String> warnings) {
    }

    /** Where an unquoted word is being read: plain value, rest-of-line fallback, or the word of {@code ${X:-word}}. */
    private enum Context { VALUE, REST, BRACE }

    private static final char EOF = '\0';

    /** Shell keywords and builtins: a line starting with one is shell code, reported as such. */
    private static final Set<String> SHELL_WORDS = Set.of(
            "if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until", "do", "done",
            "in", "function", "time", "coproc", "{", "}", "!", "[[", "]]",
            ".", ":", "[", "alias", "bg", "bind", "break", "builtin", "caller", "cd", "command", "compgen",
            "complete", "compopt", "continue", "declare", "dirs", "disown", "echo", "enable", "eval", "exec",
            "exit", "export", "false", "fc", "fg", "getopts", "hash", "help", "history", "jobs", "kill", "let",
            "local", "logout", "mapfile", "popd", "printf", "pushd", "pwd", "read", "readarray", "readonly",
            "return", "set", "shift", "shopt", "source", "suspend", "test", "times", "trap", "true", "type",
            "typeset", "ulimit", "umask", "unalias", "unset", "wait");

    private final String text;
    private final String path;
    private final List<Statement> statements = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private int pos;
    private int line = 1;

    private EnvParser(String text, String path) {
        this.text = text;
        this.path = path;
    }

    /** Parses {@code raw} (as read from disk); throws {@link EnvSyntaxException} on the first problem. */
    static Parsed parse(String raw, String displayPath) {
        String text = normalize(raw);
        rejectControlCharacters(text, displayPath);
        EnvParser parser = new EnvParser(text, displayPath);
        parser.file();
        return new Parsed(List.copyOf(parser.statements), List.copyOf(parser.warnings));
    }

    /**
     * NUL cannot be passed to a child at all, and other control characters (except tab and newline) have no place in
     * a profile (tab and CR, which bash keeps, excepted): both are refused up front with the line, before any value is formed.
     */
    private static void rejectControlCharacters(String text, String path) {
        int line = 1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
            } else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
                throw EnvSyntaxException.controlCharacter(path, line, c);
            }
        }
    }

    /** Drops a leading UTF-8 BOM and one trailing CR per line (files edited on Windows). */
    static String normalize(String raw) {
        String s = raw.startsWith("\uFEFF") ? raw.substring(1) : raw;
        s = s.replace("\r\n", "\n");
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private void file() {
        while (!eof()) {
            skipBlanks();
            if (eof()) {
                return;
            }
            char c = peek();
            if (c == '\n') {
                next();
            } else if (c == '#') {
                skipToEndOfLine();
            } else {
                statement();
            }
        }
    }

    private void statement() {
        int start = line;
        if (text.startsWith("export", pos) && isBlank(peek(6))) {
            pos += 6;
            skipBlanks();
            exportStatement(start);
            return;
        }
        if (isNameStart(peek())) {
            int save = pos;
            if (nameThenAssignment(start)) {
                return;
            }
            pos = save;
        }
        String word = firstWord();
        if (SHELL_WORDS.contains(word)) {
            throw construct(word);
        }
        if (word.startsWith("((")) {
            throw construct("((…))");
        }
        if (word.startsWith("(")) {
            throw construct("(…)");
        }
        throw EnvSyntaxException.syntax(path, start);
    }

    /**
     * Reads a name; when {@code =} follows, parses the assignment and returns true. Otherwise refuses the constructs
     * a name may start ({@code name+=}, {@code name[…]=}, {@code name()}) and returns false, positioned after the name.
     */
    private boolean nameThenAssignment(int start) {
        String name = readName();
        if (peek() == '=') {
            next();
            assignment(name, start);
            return true;
        }
        rejectNameConstruct(name);
        return false;
    }

    /** {@code export NAME=value} is an assignment; {@code export NAME [NAME…]} has no effect (all is exported). */
    private void exportStatement(int start) {
        if (!isNameStart(peek())) {
            throw EnvSyntaxException.syntax(path, start);
        }
        if (nameThenAssignment(start)) {
            return;
        }
        while (true) {
            if (!isBlank(peek()) && !atEndOfLine()) {
                throw EnvSyntaxException.syntax(path, start);
            }
            skipBlanks();
            if (peek() == '#') {
                skipToEndOfLine();
            }
            if (atEndOfLine()) {
                next();
                return;
            }
            if (!isNameStart(peek())) {
                throw EnvSyntaxException.syntax(path, start);
            }
            rejectNameConstruct(readName());
        }
    }

    /** After a leading name: {@code +=}, array element assignments and function definitions are shell code. */
    private void rejectNameConstruct(String name) {
        char c = peek();
        if (c == '+' && peek(1) == '=') {
            throw construct(name + "+=…");
        }
        if (c == '[' && (firstWord().contains("]=") || firstWord().contains("]+="))) {
            throw construct(name + "[…]=…");
        }
        if (c == '(') {
            throw construct(name + "()");
        }
    }

    private void assignment(String name, int start) {
        if (peek() == '(') {
            throw construct(name + "=(…)");
        }
        WordBuilder value = new WordBuilder();
        boolean quoted = unquoted(value, Context.VALUE);
        int blanks = pos;
        skipBlanks();
        if (peek() == '#') {
            skipToEndOfLine();
        }
        if (!atEndOfLine()) {
            // More words after the value: make reads the rest of the line, bash would run it as a command (D26).
            if (value.isEmpty() || quoted) {
                throw EnvSyntaxException.syntax(path, start);
            }
            value.append(text.substring(blanks, pos));
            unquoted(value, Context.REST);
            if (peek() == '#') {
                skipToEndOfLine();
            }
            warnings.add(path + ":" + start + ": unquoted value with spaces for " + name
                    + "; treating the rest of the line as the value (quote it to silence this warning)");
        }
        next();
        statements.add(new Statement(name, start, value.segments()));
    }

    /**
     * Reads an unquoted word up to its end (VALUE: a blank or newline; REST: the newline or blanks before a comment
     * or the newline; BRACE: the closing brace, left unread). Returns true when any part of it was quoted.
     */
    private boolean unquoted(WordBuilder word, Context context) {
        boolean quoted = false;
        boolean tildeAllowed = context != Context.REST;
        while (!eof()) {
            char c = peek();
            if (c == '~' && tildeAllowed) {
                tilde(word, context);
                tildeAllowed = false;
                continue;
            }
            tildeAllowed = false;
            switch (c) {
                case '\n' -> {
                    if (context != Context.BRACE) {
                        return quoted;
                    }
                    word.append(next());
                }
                case ' ', '\t' -> {
                    if (context == Context.VALUE) {
                        return quoted;
                    }
                    int end = pos;
                    while (isBlank(charAt(end))) {
                        end++;
                    }
                    char after = charAt(end);
                    if (context == Context.REST && (after == EOF || after == '\n' || after == '#')) {
                        pos = end;
                        return quoted;
                    }
                    word.append(text.substring(pos, end));
                    pos = end;
                }
                case '}' -> {
                    if (context == Context.BRACE) {
                        return quoted;
                    }
                    word.append(next());
                }
                case '\\' -> {
                    next();
                    if (eof()) {
                        word.append('\\');
                    } else if (peek() == '\n') {
                        next();
                    } else {
                        word.append(next());
                    }
                }
                case '\'' -> {
                    quoted = true;
                    singleQuoted(word);
                }
                case '"' -> {
                    quoted = true;
                    expandingQuotes(word, '"', false);
                }
                case '$' -> dollar(word, false);
                case '`' -> throw construct("`…`");
                case ';', '&', '|', '<', '>', '(', ')' -> {
                    if (context != Context.BRACE) {
                        throw construct(String.valueOf(c));
                    }
                    word.append(next());
                }
                case ':' -> {
                    word.append(next());
                    tildeAllowed = true;
                }
                default -> word.append(next());
            }
        }
        return quoted;
    }

    /**
     * Tilde prefix as bash treats it in assignments: {@code ~} alone, before {@code /} or {@code :} is HOME;
     * {@code ~user}, {@code ~+}, {@code ~-} would need account or directory lookups and are rejected; anything
     * else (a quote, {@code $}, a backslash…) leaves the {@code ~} literal.
     */
    private void tilde(WordBuilder word, Context context) {
        int end = pos + 1;
        while (isUserChar(charAt(end))) {
            end++;
        }
        char after = charAt(end);
        boolean prefixEnds = after == EOF || after == '/' || after == ':' || after == '\n'
                || (context == Context.BRACE ? after == '}' : isBlank(after));
        if (!prefixEnds) {
            word.append(next());
        } else if (end == pos + 1) {
            next();
            word.add(new Segment.Tilde());
        } else {
            throw construct("~user");
        }
    }

    private void singleQuoted(WordBuilder word) {
        int openLine = line;
        int close = text.indexOf('\'', pos + 1);
        if (close < 0) {
            throw EnvSyntaxException.unterminatedQuote(path, openLine);
        }
        next();
        while (pos < close) {
            word.append(next());
        }
        next();
    }

    /**
     * Up to the closing {@code quote} under double-quote rules: {@code "…"} itself ({@code keepQuotes} false), or
     * single quotes inside {@code "${X:-word}"}, which stay in the word yet do not stop expansion (bash behaviour).
     */
    private void expandingQuotes(WordBuilder word, char quote, boolean keepQuotes) {
        int openLine = line;
        quoteChar(word, keepQuotes);
        while (true) {
            char c = peek();
            if (eof()) {
                throw EnvSyntaxException.unterminatedQuote(path, openLine);
            }
            if (c == quote) {
                quoteChar(word, keepQuotes);
                return;
            }
            switch (c) {
                case '\\' -> doubleQuotedEscape(word, openLine, "$`\"\\\n");
                case '$' -> dollar(word, true);
                case '`' -> throw construct("`…`");
                default -> word.append(next());
            }
        }
    }

    private void quoteChar(WordBuilder word, boolean keep) {
        if (keep) {
            word.append(next());
        } else {
            next();
        }
    }

    /** Backslash inside double quotes: only {@code escapable} characters lose it; newline is a continuation. */
    private void doubleQuotedEscape(WordBuilder word, int openLine, String escapable) {
        next();
        if (eof()) {
            throw EnvSyntaxException.unterminatedQuote(path, openLine);
        }
        char c = peek();
        if (c == '\n') {
            next();
        } else if (escapable.indexOf(c) >= 0) {
            word.append(next());
        } else {
            word.append('\\');
        }
    }

    private void dollar(WordBuilder word, boolean inDoubleQuotes) {
        next();
        char c = peek();
        if (c == '{') {
            brace(word, inDoubleQuotes);
        } else if (isNameStart(c)) {
            word.add(new Segment.Param(readName()));
        } else if (isDigit(c) || "@*#?$!-".indexOf(c) >= 0) {
            throw construct("$" + c);
        } else if (c == '(') {
            throw construct(peek(1) == '(' ? "$((…))" : "$(…)");
        } else if (c == '[') {
            throw construct("$[…]");
        } else if ((c == '\'' || c == '"') && !inDoubleQuotes) {
            throw construct("$" + c + "…" + c);
        } else {
            word.append('$');
        }
    }

    private void brace(WordBuilder word, boolean inDoubleQuotes) {
        int openLine = line;
        next();
        char c = peek();
        if (c == '#' || c == '!') {
            throw construct("${" + c + "…}");
        }
        if (isDigit(c) || "@*?$-".indexOf(c) >= 0) {
            throw construct("${" + c + "}");
        }
        if (!isNameStart(c)) {
            throw EnvSyntaxException.syntax(path, openLine);
        }
        String name = readName();
        c = peek();
        if (c == '}') {
            next();
            word.add(new Segment.Param(name));
            return;
        }
        boolean colon = c == ':';
        if (colon) {
            next();
            c = peek();
        }
        if (c == '-' || c == '+') {
            next();
            WordBuilder operand = new WordBuilder();
            if (inDoubleQuotes) {
                braceWordInDoubleQuotes(operand, openLine);
            } else {
                unquoted(operand, Context.BRACE);
            }
            if (peek() != '}') {
                throw EnvSyntaxException.syntax(path, openLine);
            }
            next();
            word.add(new Segment.Conditional(name, colon, c == '+', operand.segments()));
            return;
        }
        String prefix = "${" + name + (colon ? ":" : "");
        if (c == '=' || c == '?') {
            throw construct(prefix + c + "…}");
        }
        if (colon) {
            throw construct(prefix + "…}");
        }
        if ("#%/^,@".indexOf(c) >= 0) {
            throw construct(prefix + c + "…}");
        }
        if (c == '[') {
            throw construct(prefix + "[…]}");
        }
        throw EnvSyntaxException.syntax(path, openLine);
    }

    /**
     * The word of {@code "${X:-word}"}: double-quote rules plus {@code \}}; nested double quotes are removed, while
     * single quotes stay literal yet still protect a {@code }} (bash behaviour).
     */
    private void braceWordInDoubleQuotes(WordBuilder word, int openLine) {
        while (!eof()) {
            char c = peek();
            switch (c) {
                case '}' -> {
                    return;
                }
                case '"' -> expandingQuotes(word, '"', false);
                case '\'' -> expandingQuotes(word, '\'', true);
                case '\\' -> doubleQuotedEscape(word, openLine, "$`\"\\}\n");
                case '$' -> dollar(word, true);
                case '`' -> throw construct("`…`");
                default -> word.append(next());
            }
        }
    }

    private EnvSyntaxException construct(String construct) {
        return EnvSyntaxException.construct(path, line, construct);
    }

    /** The first shell word of the line, for classification only; never echoed unless it is a known shell word. */
    private String firstWord() {
        int end = pos;
        while (end < text.length() && " \t\n;&|<>".indexOf(text.charAt(end)) < 0) {
            end++;
        }
        return text.substring(pos, end);
    }

    private String readName() {
        int start = pos;
        while (isNameChar(peek())) {
            pos++;
        }
        return text.substring(start, pos);
    }

    private void skipBlanks() {
        while (isBlank(peek())) {
            pos++;
        }
    }

    private void skipToEndOfLine() {
        while (!atEndOfLine()) {
            pos++;
        }
    }

    private boolean atEndOfLine() {
        return eof() || peek() == '\n';
    }

    private boolean eof() {
        return pos >= text.length();
    }

    private char peek() {
        return charAt(pos);
    }

    private char peek(int ahead) {
        return charAt(pos + ahead);
    }

    private char charAt(int index) {
        return index < text.length() ? text.charAt(index) : EOF;
    }

    /** Consumes one character (no-op at end of text) and keeps the line counter in step. */
    private char next() {
        if (eof()) {
            return EOF;
        }
        char c = text.charAt(pos++);
        if (c == '\n') {
            line++;
        }
        return c;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isNameStart(char c) {
        return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    private static boolean isNameChar(char c) {
        return isNameStart(c) || isDigit(c);
    }

    private static boolean isUserChar(char c) {
        return isNameChar(c) || c == '.' || c == '-' || c == '+';
    }
}
