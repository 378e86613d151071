package io.productivek3s.infra.state.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.productivek3s.infra.state.RevisionInfo;
import io.productivek3s.infra.util.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RecordFiles#parse}: records in the shape the writer produces are read by {@link RecordStream}, every other
 * text by the tree reader, and both give the same answer, field for field and message for message
 * (docs/performance.md "State at scale").
 */
class RecordFilesTest {
    private static final Path FILE = Path.of("/state/.history/revisions/demo/3.json");
    private static final String SHA_A = "a".repeat(64);
    private static final String SHA_B = "0123456789abcdef".repeat(4);
    private static final List<String> FIELDS = List.of("format", "name", "revision", "created_at", "who", "command",
            "result", "exit_code", "profile_name", "profile_version", "package_sha256", "tree_sha256", "files", "bytes",
            "removed", "summary_base64", "payload_sha256", "objects_sha256");
    /** JSON values of every type, and the odd ones of each: the tree reader coerces some, refuses others. */
    private static final List<String> VALUES = List.of("\"7\"", "\" 7 \"", "7", "-0", "7.5", "1e2", "2147483648",
            "123456789012345678901234567890", "true", "false", "null", "{}", "[]", "\"\"", "{\"a\": [1]}", "\"x\"",
            "\"2026-12-07T10:15:00+01:00\"", "\"" + SHA_B + "\"", "\"" + SHA_B.toUpperCase() + "\"", "\"e30=\"",
            "\"not base64!\"", "1", "2", "\"2\"", "2.0");

    private static RevisionInfo info() {
        return new RevisionInfo("demo", 3, Instant.parse("2026-12-07T10:15:00.123456Z"), "alice@ws-1", "profile",
                "success", 0, "local-demo", "0.1.0", SHA_B, SHA_A, 5, 1870, false);
    }

    private static String canonical() throws IOException {
        return RecordFiles.toJson(info(), "{\"last_action\": {\"command\": \"install\"}}".getBytes(StandardCharsets.UTF_8),
                SHA_A, SHA_B);
    }

    @Test
    void aRecordAsWrittenIsReadByTheStreamAsTheTreeReadsIt() throws IOException {
        String text = canonical();
        assertThat(RecordStream.read(text)).as("the fast path reads what the writer writes").isPresent();
        RecordFiles.Current record = (RecordFiles.Current) RecordFiles.parse(text, FILE);
        assertThat(record.info()).isEqualTo(info());
        assertThat(new String(record.summary(), StandardCharsets.UTF_8)).contains("install");
        assertThat(record.payloadSha256()).isEqualTo(SHA_A);
        assertThat(record.objectsSha256()).isEqualTo(SHA_B);
        assertSameAsTree(text);

        RevisionInfo sparse = new RevisionInfo("demo", 1, Instant.parse("2026-12-07T10:15:00Z"), null, null, null, null,
                null, null, null, null, 0, 0, true);
        String removal = RecordFiles.toJson(sparse, new byte[0], SHA_A, SHA_A);
        assertThat(RecordStream.read(removal)).isPresent();
        assertThat(RecordFiles.parse(removal, FILE).info()).isEqualTo(sparse);
        assertSameAsTree(removal);
    }

    @Test
    void everyFieldOfEveryTypeIsReadOrRefusedAsTheTreeDoes() throws IOException {
        List<String> texts = new ArrayList<>();
        for (String field : FIELDS) {
            ObjectNode without = (ObjectNode) Json.parse(canonical());
            without.remove(field);
            texts.add(Json.compact(without));
            for (String value : VALUES) {
                ObjectNode record = (ObjectNode) Json.parse(canonical());
                record.set(field, Json.parse(value));
                texts.add(Json.compact(record));
                // a repeated field counts with its last value, in either order
                String body = canonical().substring(1);
                texts.add("{\"" + field + "\": " + value + ", " + body);
                texts.add(canonical().substring(0, canonical().length() - 1) + ", \"" + field + "\": " + value + "}");
            }
        }
        for (String text : texts) {
            assertSameAsTree(text);
        }
    }

    @Test
    void otherShapesAreLeftToTheTree() throws IOException {
        String text = canonical();
        List<String> texts = List.of("", " ", "{", "}", "[]", "null", "42", "\"record\"", text + " ", text + "\n",
                text + "x", text + "{}", text + text, text.substring(0, text.length() - 1),
                text.replace("\"format\":2", "\"format\":1"),
                text.replace("\"format\":2", "\"format\":1,\"tree\":[],\"cluster_json_base64\":\"e30=\""),
                text.replace("\"format\":2", "\"format\":2,\"tree\":[]"),
                text.replace("\"format\":2", "\"format\":3"),
                text.replace("\"format\":2", "\"format\":2,\"future\":{\"x\":[1,{\"y\":null}]},\"more\":[]"),
                text.replace("\"who\":\"alice@ws-1\"", "\"who\":\"ali\\u001bce\\n\""),
                text.replace("\"name\":\"demo\"", "\"name\":\"d\\u00e9mo\""));
        for (String each : texts) {
            assertSameAsTree(each);
        }
        assertThat(RecordStream.read(text.replace("\"format\":2", "\"format\":2,\"future\":{\"x\":[1]}")))
                .as("unknown fields are skipped, not a reason to leave the fast path").isPresent();
    }

    @Test
    void aMalformedRecordIsRefusedWithOneLineNamingTheFile() throws IOException {
        String text = canonical();
        assertThatThrownBy(() -> RecordFiles.parse("{\"format\": 2,", FILE))
                .hasMessageStartingWith("revision record " + FILE + " is not JSON: ");
        assertThatThrownBy(() -> RecordFiles.parse(text.replace("\"format\":2", "\"format\":7"), FILE))
                .hasMessage("revision record " + FILE + " is not of format 1 or 2");
        assertThatThrownBy(() -> RecordFiles.parse(text.replace("2026-12-07T10:15:00.123456Z", "yesterday"), FILE))
                .hasMessage("malformed revision record " + FILE + ": Text 'yesterday' could not be parsed at index 0");
        assertThatThrownBy(() -> RecordFiles.parse(text.replace("2026-12-07T10:15:00.123456Z", "2026-02-30T10:15:00Z"),
                FILE)).hasMessageStartingWith("malformed revision record " + FILE + ": Text '2026-02-30T10:15:00Z'");
        assertThatThrownBy(() -> RecordFiles.parse(text.replace("\"payload_sha256\":\"" + SHA_A,
                "\"payload_sha256\":\"" + SHA_A.toUpperCase()), FILE))
                .hasMessage("revision record " + FILE + " names no payload or objects digest");
        assertThatThrownBy(() -> RecordFiles.parse(text.replace("\"objects_sha256\":\"" + SHA_B + "\"",
                "\"objects_sha256\":null"), FILE))
                .hasMessage("revision record " + FILE + " names no payload or objects digest");
        String summary = Base64.getEncoder().encodeToString("{}".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> RecordFiles.parse(text.replaceFirst("\"summary_base64\":\"[^\"]*\"",
                "\"summary_base64\":\"" + summary + "!\""), FILE))
                .hasMessageStartingWith("malformed revision record " + FILE + ": ");
    }

    /**
     * {@link RecordFiles#newest} answers what {@link RecordFiles#names} and {@link RecordFiles#numbers} answer
     * together: names with a directory of records, by name, each with its highest record number (as numbers, not
     * text), never through a link, whatever else the directories hold.
     */
    @Test
    void theNewestRecordOfEveryNameIsWhatNamesAndNumbersAnswer(@TempDir Path history) throws IOException {
        RecordFiles records = new RecordFiles(history);
        assertThat(records.newest()).isEmpty();
        Path revisions = Files.createDirectories(history.resolve("revisions"));
        for (String file : List.of("b/1.json", "b/2.json", "b/10.json", "b/10.0123456789abcdef.payload", "b/9.json.tmp",
                "a/7.json", "a/.8.json.0123456789abcdef.tmp", "c/1.staged-0123456789abcdef", "c/x.json",
                "d/123456789012345678.json", "d/1234567890123456789.json", "e/01.json")) {
            Files.createDirectories(revisions.resolve(file).getParent());
            Files.writeString(revisions.resolve(file), "{}");
        }
        Files.createDirectories(revisions.resolve("empty"));
        Files.writeString(revisions.resolve("file.json"), "{}");
        Path outside = Files.createDirectories(history.resolve("outside"));
        Files.writeString(outside.resolve("5.json"), "{}");
        Files.createSymbolicLink(revisions.resolve("link"), outside);

        assertThat(records.newest()).containsExactly(Map.entry("a", 7L), Map.entry("b", 10L),
                Map.entry("d", 123456789012345678L), Map.entry("e", 1L));
        Map<String, Long> expected = new TreeMap<>();
        for (String name : records.names()) {
            List<Long> numbers = records.numbers(name);
            if (!numbers.isEmpty()) {
                expected.put(name, numbers.get(numbers.size() - 1));
            }
        }
        assertThat(records.newest()).isEqualTo(expected);
    }

    /** {@code text} is read by {@link RecordFiles#parse} exactly as by the tree alone: the same fields or message. */
    private static void assertSameAsTree(String text) {
        String tree = outcome(() -> RecordFiles.parseTree(text, FILE));
        assertThat(outcome(() -> RecordFiles.parse(text, FILE))).as(text).isEqualTo(tree);
        // as a file's bytes (how records are read), directly when ASCII
        assertThat(outcome(() -> RecordFiles.parse(text.getBytes(StandardCharsets.UTF_8), FILE))).as(text)
                .isEqualTo(tree);
    }

    /** Bytes that are not UTF-8 are refused as {@code Files.readString} refused them; any other text is read. */
    @Test
    void aRecordsBytesAreReadAsItsText() throws IOException {
        String text = canonical().replace("alice@ws-1", "ålice@ws-1");
        assertThat(outcome(() -> RecordFiles.parse(text.getBytes(StandardCharsets.UTF_8), FILE)))
                .isEqualTo(outcome(() -> RecordFiles.parse(text, FILE))).contains("ålice@ws-1");
        byte[] invalid = canonical().getBytes(StandardCharsets.UTF_8);
        invalid[invalid.length / 2] = (byte) 0xc3; // a lead byte with no continuation
        Path file = Files.write(Files.createTempFile("record", ".json"), invalid);
        try {
            assertThat(outcome(() -> RecordFiles.parse(invalid, FILE)))
                    .isEqualTo(outcome(() -> RecordFiles.parse(Files.readString(file), FILE)));
        } finally {
            Files.delete(file);
        }
    }

    /** {@link RecordFiles#recordNumber} reads a file name exactly as the pattern it replaces. */
    @Test
    void aRecordsNumberIsReadFromItsNameAsThePatternReadsIt() {
        List<String> names = new ArrayList<>(List.of("1.json", "0.json", "007.json", "123456789012345678.json",
                "1234567890123456789.json", ".json", "1.JSON", "1.json.tmp", "-1.json", "+1.json", "1a.json", "a.json",
                "1.jso", "json", "", "1", "１.json", "1.2.json", " 1.json", "12.objects", "3.0123456789abcdef.payload"));
        java.util.Random random = new java.util.Random(5);
        String alphabet = "0123456789.jsonJ-a ";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder name = new StringBuilder();
            for (int n = random.nextInt(26); n > 0; n--) {
                name.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            names.add(random.nextBoolean() ? name + ".json" : name.toString());
        }
        for (String name : names) {
            java.util.regex.Matcher m = RecordFiles.RECORD.matcher(name);
            assertThat(RecordFiles.recordNumber(name)).as(name).isEqualTo(m.matches() ? Long.parseLong(m.group(1)) : -1);
        }
    }

    private interface Reading {
        RecordFiles.Record read() throws IOException;
    }

    private static String outcome(Reading reading) {
        try {
            RecordFiles.Record record = reading.read();
            if (record instanceof RecordFiles.Current c) {
                return c.info() + " summary=" + HexFormat.of().formatHex(c.summary()) + " payload=" + c.payloadSha256()
                        + " objects=" + c.objectsSha256();
            }
            RecordFiles.Legacy legacy = (RecordFiles.Legacy) record;
            return legacy.info() + " tree=" + legacy.tree().entries() + " cluster.json="
                    + (legacy.clusterJson() == null ? null : HexFormat.of().formatHex(legacy.clusterJson()));
        } catch (IOException | RuntimeException e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }
}
