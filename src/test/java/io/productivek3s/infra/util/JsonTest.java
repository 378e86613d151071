package io.productivek3s.infra.util;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void prettyUsesTwoSpacesColonSpaceAndOneArrayItemPerLine() {
        ObjectNode root = Json.object();
        root.put("schema_version", "1");
        root.putObject("nested").put("quote", "a\"b\\c");
        root.putArray("list").add("x").add("y");
        root.putArray("empty");
        assertThat(Json.pretty(root)).isEqualTo("""
                {
                  "schema_version": "1",
                  "nested": {
                    "quote": "a\\"b\\\\c"
                  },
                  "list": [
                    "x",
                    "y"
                  ],
                  "empty": []
                }
                """);
    }
}
