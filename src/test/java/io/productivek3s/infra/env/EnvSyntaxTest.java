package io.productivek3s.infra.env;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.productivek3s.infra.EngineException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Line and value syntax of docs/contract/env-files.md#line-syntax, docs/contract/env-files.md#value-syntax, one form per test. */
class EnvSyntaxTest {
    private static final String PATH = "./site.env";

    private final List<String> warnings = new ArrayList<>();

    private Map<String, String> parse(String text) {
        return parse(text, Map.of("HOME", "/home/alice"));
    }

    private Map<String, String> parse(String text, Map<String, String> processEnv) {
        EnvStack stack = new EnvStack(processEnv, warnings::add, false);
        return stack.loadText(text, PATH, Layer.OVERRIDE).values();
    }

    private String value(String text) {
        return parse(text).get("A");
    }

    private static EngineException failure(String text) {
        EnvStack stack = new EnvStack(Map.of("HOME", "/home/alice"), w -> { }, false);
        EngineException e = catchThrowableOfType(EngineException.class,
                () -> stack.loadText(text, PATH, Layer.OVERRIDE));
        assertThat(e).as("expected a syntax error for %s", text).isNotNull();
        assertThat(e.exitCode()).isEqualTo(4);
        return e;
    }

    @Nested
    class Lines {
        @Test
        void blankAndCommentLinesAreIgnored() {
            assertThat(parse("\n   \n\t\n# comment\n   # indented comment\nA=1\n"))
                    .containsExactly(Map.entry("A", "1"));
        }

        @Test
        void exportPrefixAndLeadingWhitespaceAreAccepted() {
            assertThat(parse("export A=1\n  export\tB=2\n\tC=3\n"))
                    .containsExactly(Map.entry("A", "1"), Map.entry("B", "2"), Map.entry("C", "3"));
        }

        @Test
        void bareExportHasNoEffect() {
            assertThat(parse("export A\nexport B C # both\nD=1\n")).containsExactly(Map.entry("D", "1"));
        }

        @Test
        void crlfLineEndingsAreStripped() {
            assertThat(parse("A=1\r\nB=\"x\r\ny\"\r\nC=3\r")).containsExactly(
                    Map.entry("A", "1"), Map.entry("B", "x\ny"), Map.entry("C", "3"));
        }

        @Test
        void onlyOneTrailingCarriageReturnIsStripped() {
            assertThat(value("A='x\r'\r\n")).isEqualTo("x\r");
        }

        @Test
        void byteOrderMarkOnFirstLineIsIgnored() {
            assertThat(parse("\uFEFFA=1\nB=2\n")).containsExactly(Map.entry("A", "1"), Map.entry("B", "2"));
        }

        @Test
        void lastLineWithoutNewline() {
            assertThat(value("A=end")).isEqualTo("end");
        }

        @Test
        void duplicateAssignmentLastWins() {
            assertThat(parse("A=1\nB=2\nA=3\n")).containsExactly(Map.entry("A", "3"), Map.entry("B", "2"));
        }

        @Test
        void emptyValues() {
            assertThat(parse("A=\nB=''\nC=\"\"\nD= # comment\n")).containsExactly(
                    Map.entry("A", ""), Map.entry("B", ""), Map.entry("C", ""), Map.entry("D", ""));
        }

        @Test
        void commentAfterValue() {
            assertThat(parse("A=1 # one\nB='two' #two\nC=\"3\"\t# three\nD=x#y\nE=a\\ #b\n")).containsExactly(
                    Map.entry("A", "1"), Map.entry("B", "two"), Map.entry("C", "3"), Map.entry("D", "x#y"),
                    Map.entry("E", "a #b"));
            assertThat(warnings).isEmpty();
        }
    }

    @Nested
    class Values {
        @Test
        void unquotedBackslashEscapes() {
            assertThat(value("A=a\\ b\\$c\\\"d\\\\e\\qf\n")).isEqualTo("a b$c\"d\\eqf");
        }

        @Test
        void unquotedBackslashNewlineContinues() {
            assertThat(parse("A=foo\\\nbar\nB=2\n")).containsExactly(Map.entry("A", "foobar"), Map.entry("B", "2"));
        }

        @Test
        void backslashAtEndOfFileIsLiteral() {
            assertThat(value("A=foo\\")).isEqualTo("foo\\");
        }

        @Test
        void singleQuotesAreLiteralAndMaySpanLines() {
            assertThat(value("A='$HOME \\n \"x\"\nsecond line'\n")).isEqualTo("$HOME \\n \"x\"\nsecond line");
        }

        @Test
        void doubleQuotesExpandAndEscapeOnlyFiveCharacters() {
            assertThat(value("A=\"$HOME \\$ \\` \\\" \\\\ \\q \\n\"\n")).isEqualTo("/home/alice $ ` \" \\ \\q \\n");
        }

        @Test
        void doubleQuotesMaySpanLinesAndBackslashNewlineJoins() {
            assertThat(value("A=\"one\ntwo \\\nthree\"\n")).isEqualTo("one\ntwo three");
        }

        @Test
        void segmentsConcatenate() {
            assertThat(value("A=pre'single'\"double $HOME\"${HOME}post\n"))
                    .isEqualTo("presingledouble /home/alice/home/alicepost");
        }

        @Test
        void parameterForms() {
            Map<String, String> values = parse("""
                    SET=v
                    EMPTY=
                    A=$SET-${SET}-$UNSET-${UNSET}
                    B=${UNSET:-d1}/${EMPTY:-d2}/${SET:-d3}
                    C=${UNSET-d1}/${EMPTY-d2}/${SET-d3}
                    D=${UNSET:+a1}/${EMPTY:+a2}/${SET:+a3}
                    E=${UNSET+a1}/${EMPTY+a2}/${SET+a3}
                    """);
            assertThat(values).containsEntry("A", "v-v--")
                    .containsEntry("B", "d1/d2/v")
                    .containsEntry("C", "d1//v")
                    .containsEntry("D", "//a3")
                    .containsEntry("E", "/a2/a3");
        }

        @Test
        void defaultWordIsItselfExpandedAndMayContainQuotes() {
            Map<String, String> values = parse("""
                    X=x
                    A=${U:-$X-${X}}
                    B=${U:-'a b'}
                    C="${U:-'a b'}"
                    D="${U:-"a b"}"
                    E=${U:-a\\}b}
                    F="${U:-a\\}b}"
                    G=${U:-${V:-nested}}
                    H=${U:-a b}
                    I="${U:-'$X'}"
                    J=${U:-'}'}
                    """);
            assertThat(values).containsEntry("A", "x-x")
                    .containsEntry("B", "a b")
                    .containsEntry("C", "'a b'")
                    .containsEntry("D", "a b")
                    .containsEntry("E", "a}b")
                    .containsEntry("F", "a}b")
                    .containsEntry("G", "nested")
                    .containsEntry("H", "a b")
                    .containsEntry("I", "'x'")
                    .containsEntry("J", "}");
        }

        @Test
        void dollarNotFollowedByNameIsLiteral() {
            assertThat(parse("A=a$\nB=$/x\nC=\"$\"\nE=\"x$\"\n")).containsEntry("A", "a$")
                    .containsEntry("B", "$/x").containsEntry("C", "$").containsEntry("E", "x$");
        }

        @Test
        void variableNameEndsAtFirstNonNameCharacter() {
            assertThat(parse("AB=1\nA=$AB.$ABC-x\n")).containsEntry("A", "1.-x");
        }

        @Test
        void tildeExpandsToHomeFromTheScope() {
            Map<String, String> values = parse("""
                    A=~
                    B=~/.ssh/id
                    C=x:~/y:~
                    D=a~/b
                    E="~/q"
                    F='~'
                    G=~"x"
                    H=${U:-~/w}
                    I=b~c:~
                    """);
            assertThat(values).containsEntry("A", "/home/alice")
                    .containsEntry("B", "/home/alice/.ssh/id")
                    .containsEntry("C", "x:/home/alice/y:/home/alice")
                    .containsEntry("D", "a~/b")
                    .containsEntry("E", "~/q")
                    .containsEntry("F", "~")
                    .containsEntry("G", "~x")
                    .containsEntry("H", "/home/alice/w")
                    .containsEntry("I", "b~c:/home/alice");
        }

        @Test
        void tildeUsesHomeAssignedByTheFile() {
            assertThat(parse("HOME=/srv/h\nA=~/x\n")).containsEntry("A", "/srv/h/x");
        }

        @Test
        void shellMetacharactersWithoutMeaningInAssignmentsAreLiteral() {
            assertThat(value("A={a,b}*?[x]!=%@+,:\n")).isEqualTo("{a,b}*?[x]!=%@+,:");
        }

        @Test
        void processEnvironmentIsOnlyAFallback() {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("HOME", "/home/alice");
            env.put("FROM_PROCESS", "p");
            env.put("EMPTY_PROCESS", "");
            Map<String, String> values = parse("""
                    A=$FROM_PROCESS
                    B=${FROM_PROCESS:-default}
                    C=${EMPTY_PROCESS-unset}${EMPTY_PROCESS:-empty}
                    FROM_PROCESS=file
                    D=$FROM_PROCESS
                    """, env);
            assertThat(values).containsEntry("A", "p").containsEntry("B", "p").containsEntry("C", "empty")
                    .containsEntry("D", "file");
        }
    }

    @Nested
    class UnquotedValueWithSpaces {
        @Test
        void restOfLineIsTheValueWithWarning() {
            assertThat(parse("# c\nIPS=192.168.1.11 192.168.1.12\n")).containsEntry("IPS", "192.168.1.11 192.168.1.12");
            assertThat(warnings).containsExactly("./site.env:2: unquoted value with spaces for IPS; treating the rest "
                    + "of the line as the value (quote it to silence this warning)");
        }

        @Test
        void trailingWhitespaceAndCommentAreRemoved() {
            assertThat(value("A=a  b\tc   # comment\n")).isEqualTo("a  b\tc");
            assertThat(value("A=a b#c  \n")).isEqualTo("a b#c");
            assertThat(warnings).hasSize(2);
        }

        @Test
        void laterWordsAreStillExpanded() {
            assertThat(value("A=$HOME/a ${HOME}/b 'c d'\n")).isEqualTo("/home/alice/a /home/alice/b c d");
        }

        @Test
        void quotedValueFollowedByWordsIsRejected() {
            assertThat(failure("A=\"x y\" z\n")).hasMessage("env file ./site.env:1: unsupported syntax");
        }

        @Test
        void whitespaceAfterEqualsIsRejected() {
            assertThat(failure("A= value\n")).hasMessage("env file ./site.env:1: unsupported syntax");
        }
    }

    @Nested
    class Errors {
        @ParameterizedTest
        @ValueSource(strings = {"A =1", "A = 1", "=1", "1A=1", "just-a-word", "A", "export -n A", "$A=1",
            "\"A\"=1", "A.B=1", "export A-B", "export A B=1", "${}", "A=${}", "A=${ X}", "A=${X", "A=${X Y}"})
        void notAnAssignment(String line) {
            assertThat(failure("# header\n" + line + "\n")).hasMessage("env file ./site.env:2: unsupported syntax");
        }

        @ParameterizedTest
        @CsvSource(delimiterString = " => ", quoteCharacter = '^', value = {
            "A=$(id) => $(…)",
            "A=\"$(id)\" => $(…)",
            "A=`id` => `…`",
            "A=\"`id`\" => `…`",
            "A=$((1+2)) => $((…))",
            "A=$[1+2] => $[…]",
            "A=$1 => $1",
            "A=${1} => ${1}",
            "A=$@ => $@",
            "A=$* => $*",
            "A=$# => $#",
            "A=$? => $?",
            "A=$$ => $$",
            "A=$! => $!",
            "A=$- => $-",
            "A=\"$0\" => $0",
            "A=$'x' => $'…'",
            "A=$\"x\" => $\"…\"",
            "A=${X:=d} => ${X:=…}",
            "A=${X=d} => ${X=…}",
            "A=${X:?msg} => ${X:?…}",
            "A=${X?msg} => ${X?…}",
            "A=${X#p} => ${X#…}",
            "A=${X##p} => ${X#…}",
            "A=${X%p} => ${X%…}",
            "A=${X/a/b} => ${X/…}",
            "A=${X^^} => ${X^…}",
            "A=${X,,} => ${X,…}",
            "A=${X@Q} => ${X@…}",
            "A=${X:1:2} => ${X:…}",
            "A=${X: -1} => ${X:…}",
            "A=${#X} => ${#…}",
            "A=${!X} => ${!…}",
            "A=${X[0]} => ${X[…]}",
            "A=(a b) => A=(…)",
            "A+=x => A+=…",
            "export A+=x => A+=…",
            "A[0]=x => A[…]=…",
            "f() { :; } => f()",
            "A=1;B=2 => ;",
            "A=1 && B=2 => &",
            "A=x|y => |",
            "A=x>out => >",
            "A=x<in => <",
            "A=a(b => (",
            "A=~root/x => ~user",
            "A=x:~+ => ~user",
            "if true; then A=1; fi => if",
            "for x in a; do :; done => for",
            "echo hi => echo",
            "source other.env => source",
            ". other.env => .",
            "set -a => set",
            "unset A => unset",
            "declare -x A=1 => declare",
            "readonly A=1 => readonly",
            "[[ -n x ]] => [[",
            "(A=1) => (…)",
            "((A=1)) => ((…))",
            "{ A=1; } => {",
            "export => export",
        })
        void unsupportedShellConstruct(String line, String construct) {
            assertThat(failure("# header\n" + line + "\n"))
                    .hasMessage("env file ./site.env:2: unsupported shell construct '" + construct + "'");
        }

        @Test
        void unterminatedQuotesReportTheOpeningLine() {
            assertThat(failure("A=1\nB='abc\nC=2\n")).hasMessage("env file ./site.env:2: unterminated quote");
            assertThat(failure("A=1\n\nB=\"abc\nC=2\n")).hasMessage("env file ./site.env:3: unterminated quote");
            assertThat(failure("B=\"abc\\")).hasMessage("env file ./site.env:1: unterminated quote");
            assertThat(failure("B=\"x${U:-'y}\"\n")).hasMessage("env file ./site.env:1: unterminated quote");
        }

        @Test
        void lineNumbersCountMultiLineQuotesAndContinuations() {
            assertThat(failure("A='one\ntwo'\nB=x\\\ny\nC=\"a\nb\"\nD=$(id)\n"))
                    .hasMessage("env file ./site.env:7: unsupported shell construct '$(…)'");
            assertThat(failure("A=\"one\ntwo $(id)\"\n"))
                    .hasMessage("env file ./site.env:2: unsupported shell construct '$(…)'");
            assertThat(failure("A=1\r\n\r\nbad line\r\n")).hasMessage("env file ./site.env:3: unsupported syntax");
        }

        @Test
        void messagesNeverContainValues() {
            EngineException e = failure("TOKEN=supersecretvalue $(cat /etc/secret)\n");
            assertThat(e.getMessage()).doesNotContain("supersecret").doesNotContain("/etc/secret");
            assertThat(failure("supersecretvalue\n").getMessage()).doesNotContain("supersecret");
            assertThat(failure("A=~supersecret/x\n").getMessage()).doesNotContain("supersecret");
        }

        @Test
        void nothingIsAssignedFromAFileThatFailsToParse() {
            EnvStack stack = new EnvStack(Map.of(), w -> { }, false);
            catchThrowableOfType(EngineException.class, () -> stack.loadText("A=1\nB=$(id)\n", PATH, Layer.PACKAGE));
            assertThat(stack.fileValues()).isEmpty();
        }
    }
}
