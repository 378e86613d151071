package io.productivek3s.infra.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PrintableTest {
    @Test
    void controlAndFormatCharactersBecomeQuestionMarks() {
        assertThat(Printable.clean("a\nb\r\u001b[2J\u0007\u007f\u009b31m\u202eevil\u200b")).isEqualTo("a?b??[2J???31m?evil?");
        assertThat(Printable.clean("alice@ws-1 (profile install) é ü 漢")).isEqualTo("alice@ws-1 (profile install) é ü 漢");
        assertThat(Printable.clean(null)).isNull();
    }

    /** The printable-ASCII shortcut changes nothing: every UTF-16 unit is cleaned as the pattern alone cleans it. */
    @Test
    void everyCharacterIsCleanedAsThePatternCleansIt() {
        Pattern unprintable = Pattern.compile("[\\p{Cc}\\p{Cf}]");
        for (int c = 0; c <= Character.MAX_VALUE; c++) {
            for (String text : new String[] {String.valueOf((char) c), "ab" + (char) c + "cd"}) {
                assertThat(Printable.clean(text)).as("U+%04X", c).isEqualTo(unprintable.matcher(text).replaceAll("?"));
            }
        }
        String ascii = "plain ASCII: ~!@#$%^&*()_+`-={}|[]\\:\";'<>?,./ 0123456789";
        assertThat(Printable.clean(ascii)).isSameAs(ascii);
    }
}
