package io.productivek3s.infra.source;

import io.productivek3s.infra.pkg.ManifestParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.StreamDataWriter;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * The {@code profile.yaml} of a normalized source profile (docs/contract/package.md#profileyaml, docs/contract/source.md#normalized-package), written with the YAML emitter:
 * our own values are string nodes the emitter quotes when needed, and the sidecar's {@code inputs} and
 * {@code compatibility} nodes are embedded as parsed, under {@code spec} (D21), keeping their scalar text.
 */
final class SourceManifest {
    /**
     * Words YAML 1.1 readers take as booleans although YAML 1.2 does not: always quoted, so every consumer reads
     * the same string (the Core schema already makes the emitter quote {@code true}, {@code null}, numbers).
     */
    private static final Pattern YAML11_BOOLEAN = Pattern.compile("y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF");

    /** The metadata and spec values the engine derives from the source profile. */
    record Fields(String name, String version, String category, String scenarioType, String engine, String installScript) {
    }

    private SourceManifest() {
    }

    static String render(Fields fields, Optional<Node> inputs, Optional<Node> compatibility) {
        List<NodeTuple> metadata = new ArrayList<>();
        metadata.add(entry("name", text(fields.name())));
        metadata.add(entry("version", text(fields.version())));
        if (fields.category() != null) {
            metadata.add(entry("category", text(fields.category())));
        }
        List<NodeTuple> spec = new ArrayList<>();
        spec.add(entry("scenario", mapping(List.of(entry("type", text(fields.scenarioType()))))));
        spec.add(entry("engine", mapping(List.of(entry("type", text(fields.engine()))))));
        spec.add(entry("execution", mapping(List.of(entry("installScript", text(fields.installScript()))))));
        inputs.ifPresent(node -> spec.add(entry("inputs", node)));
        compatibility.ifPresent(node -> spec.add(entry("compatibility", node)));
        MappingNode root = mapping(List.of(
                entry("apiVersion", text(ManifestParser.API_VERSION)),
                entry("kind", text(ManifestParser.KIND)),
                entry("metadata", mapping(metadata)),
                entry("spec", mapping(spec))));
        StringBuilder out = new StringBuilder();
        new Dump(settings()).dumpNode(root, new StreamDataWriter() {
            @Override
            public void write(String str) {
                out.append(str);
            }

            @Override
            public void write(String str, int off, int len) {
                out.append(str, off, off + len);
            }
        });
        return out.toString();
    }

    private static DumpSettings settings() {
        return DumpSettings.builder()
                .setDefaultFlowStyle(FlowStyle.BLOCK)
                .setIndent(2)
                .setIndicatorIndent(2)
                .setIndentWithIndicator(true)
                .setSplitLines(false)
                .setSchema(new CoreSchema())
                .build();
    }

    /** A string scalar: the emitter picks plain style when the text reads back as this string, else quotes it. */
    private static ScalarNode text(String value) {
        return new ScalarNode(Tag.STR, value, YAML11_BOOLEAN.matcher(value).matches() ? ScalarStyle.SINGLE_QUOTED : ScalarStyle.PLAIN);
    }

    private static NodeTuple entry(String key, Node value) {
        return new NodeTuple(text(key), value);
    }

    private static MappingNode mapping(List<NodeTuple> tuples) {
        return new MappingNode(Tag.MAP, tuples, FlowStyle.BLOCK);
    }
}
