package io.productivek3s.infra.source;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.util.YamlDocument;
import io.productivek3s.infra.pkg.ManifestParser;
import io.productivek3s.infra.pkg.ProfileInput;
import io.productivek3s.infra.pkg.ProfileManifest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * The optional {@code <name>.package.yaml} beside a source profile (docs/contract/source.md#normalized-package step 2): an {@code inputs} list
 * and, in the 0.9.65 generation, a {@code compatibility} block. Both are kept as parsed YAML nodes so
 * normalization can embed them verbatim (composed with the Core schema the emitter uses, so every scalar is
 * written back as it reads), and are validated with the package rules ({@link ManifestParser}).
 *
 * @param displayPath the sidecar path derived from the profile path as the caller gave it
 */
public record Sidecar(String displayPath, Optional<Node> inputs, Optional<Node> compatibility, List<ProfileInput> declaredInputs) {
    private static final Set<String> NULL_SPELLINGS = Set.of("", "~", "null", "Null", "NULL");

    public Sidecar {
        declaredInputs = List.copyOf(declaredInputs);
    }

    /** The sidecar of {@code profileFile} if the profile ends in {@code .env} and the sidecar exists. */
    public static Optional<Sidecar> forProfile(Path profileFile, String profileDisplay) {
        String fileName = profileFile.getFileName().toString();
        if (!fileName.endsWith(".env") || !profileDisplay.endsWith(".env")) {
            return Optional.empty();
        }
        Path file = profileFile.resolveSibling(swapSuffix(fileName));
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        return Optional.of(load(file, swapSuffix(profileDisplay)));
    }

    /** {@code basic.env} → {@code basic.package.yaml}. */
    static String swapSuffix(String envPath) {
        return envPath.substring(0, envPath.length() - ".env".length()) + ".package.yaml";
    }

    static Sidecar load(Path file, String displayPath) {
        String text = read(file, displayPath);
        Node root = compose(text, displayPath);
        Optional<Node> inputs = Optional.empty();
        Optional<Node> compatibility = Optional.empty();
        if (root != null && !isNull(root)) {
            if (!(root instanceof MappingNode mapping)) {
                throw notYaml(displayPath, "the top level is not a mapping");
            }
            YamlDocument.rejectDuplicateKeys(mapping, detail -> notYaml(displayPath, detail));
            inputs = value(mapping, "inputs");
            compatibility = value(mapping, "compatibility");
        }
        return new Sidecar(displayPath, inputs, compatibility, validate(displayPath, inputs, compatibility));
    }

    /**
     * Runs the package rules over the sidecar's blocks by placing them in a manifest with fixed metadata, so a
     * sidecar that would yield an invalid {@code profile.yaml} is reported against the sidecar itself.
     */
    private static List<ProfileInput> validate(String displayPath, Optional<Node> inputs, Optional<Node> compatibility) {
        String probe = SourceManifest.render(new SourceManifest.Fields("sidecar", "0.0.0", null, "sidecar", "shell",
                "scripts/install.sh"), inputs, compatibility);
        try {
            ProfileManifest manifest = ManifestParser.parse(probe.getBytes(StandardCharsets.UTF_8));
            return manifest.inputs();
        } catch (EngineException e) {
            String detail = e.getMessage().startsWith("profile package ") ? e.getMessage().substring("profile package ".length()) : e.getMessage();
            throw EngineException.invalid("profile sidecar " + displayPath + ": " + detail);
        }
    }

    private static Optional<Node> value(MappingNode mapping, String key) {
        for (NodeTuple tuple : mapping.getValue()) {
            if (tuple.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                return isNull(tuple.getValueNode()) ? Optional.empty() : Optional.of(tuple.getValueNode());
            }
        }
        return Optional.empty();
    }

    private static boolean isNull(Node node) {
        return node instanceof ScalarNode s && s.getScalarStyle() == ScalarStyle.PLAIN && NULL_SPELLINGS.contains(s.getValue());
    }

    private static Node compose(String text, String displayPath) {
        return YamlDocument.compose(text, LoadSettings.builder().setSchema(new CoreSchema()), displayPath,
                detail -> notYaml(displayPath, detail)).orElse(null);
    }

    private static String read(Path file, String displayPath) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw EngineException.invalid("profile sidecar " + displayPath + " cannot be read");
        }
        return YamlDocument.decode(bytes, detail -> notYaml(displayPath, detail));
    }

    private static EngineException notYaml(String displayPath, String detail) {
        return EngineException.invalid("profile sidecar " + displayPath + " is not valid YAML: " + detail.replace('\n', ' ').replace('\r', ' '));
    }
}
