package io.productivek3s.infra.util;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrintableTest {
    @Test
    void controlAndFormatCharactersBecomeQuestionMarks() {
        assertThat(Printable.clean("a\nb\r\u001b[2J\u0007\u007f\u009b31m\u202eevil\u200b")).isEqualTo("a?b??[2J???31m?evil?");
        assertThat(Printable.clean("alice@ws-1 (profile install) é ü 漢")).isEqualTo("alice@ws-1 (profile install) é ü 漢");
        assertThat(Printable.clean(null)).isNull();
    }
}
