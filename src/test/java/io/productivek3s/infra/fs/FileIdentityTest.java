package io.productivek3s.infra.fs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FileIdentity's hand-written equals/hashCode keep a record's meaning: equal exactly when every component is. */
class FileIdentityTest {
    private static final FileIdentity BASE = new FileIdentity(1, 2, 3, 4, 5, 0644);

    @Test
    void equalWhenEveryComponentIsEqual() {
        FileIdentity same = new FileIdentity(1, 2, 3, 4, 5, 0644);
        assertThat(same).isEqualTo(BASE).hasSameHashCodeAs(BASE);
        assertThat(BASE).isEqualTo(BASE).isNotEqualTo(null).isNotEqualTo("1 2 3 4 5 420");
    }

    @Test
    void differentWhenAnyComponentDiffers() {
        assertThat(new FileIdentity(9, 2, 3, 4, 5, 0644)).isNotEqualTo(BASE);
        assertThat(new FileIdentity(1, 9, 3, 4, 5, 0644)).isNotEqualTo(BASE);
        assertThat(new FileIdentity(1, 2, 9, 4, 5, 0644)).isNotEqualTo(BASE);
        assertThat(new FileIdentity(1, 2, 3, 9, 5, 0644)).isNotEqualTo(BASE);
        assertThat(new FileIdentity(1, 2, 3, 4, 9, 0644)).isNotEqualTo(BASE);
        assertThat(new FileIdentity(1, 2, 3, 4, 5, 0600)).isNotEqualTo(BASE);
    }

    @Test
    void aFileReadTwiceIsTheSameAndSurvivesEncoding(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        FileIdentity first = FileIdentity.read(file);
        assertThat(FileIdentity.read(file)).isEqualTo(first).hasSameHashCodeAs(first);
        assertThat(FileIdentity.decode(first.encode())).contains(first);
    }
    /** The decoder reads in place what the former split-based one read: the same identity or none. */
    @Test
    void decodesAsSplittingDid() {
        java.util.Random random = new java.util.Random(3);
        String alphabet = "0123456789 -+x";
        java.util.List<String> texts = new java.util.ArrayList<>(java.util.List.of("1 2 3 4 5 420", " 1 2 3 4 5 6 ",
                "1 2 3 4 5", "1 2 3 4 5 6 7", "1  2 3 4 5 6", "", " ", "1 2 3 4 5 2147483648", "1 2 3 4 5 -1",
                "9223372036854775807 2 3 4 5 6", "9223372036854775808 2 3 4 5 6", "+1 2 3 4 5 6", "1 2 3 4 5 0x1"));
        for (int i = 0; i < 20_000; i++) {
            StringBuilder text = new StringBuilder();
            for (int n = random.nextInt(24); n > 0; n--) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            texts.add(text.toString());
            texts.add(random.nextInt(9) + " " + random.nextInt(9) + " " + text);
        }
        for (String text : texts) {
            assertThat(FileIdentity.decode(text)).as("'" + text + "'").isEqualTo(bySplitting(text));
        }
    }

    private static java.util.Optional<FileIdentity> bySplitting(String text) {
        String[] parts = text.trim().split(" ");
        if (parts.length != 6) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(new FileIdentity(Long.parseLong(parts[0]), Long.parseLong(parts[1]),
                    Long.parseLong(parts[2]), Long.parseLong(parts[3]), Long.parseLong(parts[4]),
                    Integer.parseInt(parts[5])));
        } catch (NumberFormatException e) {
            return java.util.Optional.empty();
        }
    }
}
