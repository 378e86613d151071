package io.productivek3s.infra.pkg;

import static io.productivek3s.infra.pkg.YamlTree.describe;
import static io.productivek3s.infra.pkg.YamlTree.get;
import static io.productivek3s.infra.pkg.YamlTree.isBlank;

import io.productivek3s.infra.EngineException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Structural validation of {@code profile.yaml} (docs/contract/package.md#profileyaml to docs/contract/package.md#structural-validation, D10, D12, D18, D20, D21). Checks run in
 * the docs/contract/package.md#structural-validation order and the first failure wins, as an exit-4 {@link EngineException} with the docs/contract/output.md#contract-validation-binding-exit-4 text.
 */
public final class ManifestParser {
    public static final String API_VERSION = "infra.productive-k3s.io/v1";
    public static final String KIND = "Profile";
    public static final String TOP_LEVEL_INPUTS_WARNING =
            "profile package declares inputs at the top level; treating them as spec.inputs";
    public static final String TOP_LEVEL_COMPATIBILITY_WARNING =
            "profile package declares compatibility at the top level; treating it as spec.compatibility";

    private static final Pattern PROFILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern INPUT_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Set<String> ENGINES = Set.of("opentofu", "ansible", "shell");

    private ManifestParser() {
    }

    public static ProfileManifest parse(byte[] yaml) {
        MappingNode root = YamlTree.load(yaml);
        List<String> warnings = new ArrayList<>();

        String apiVersion = optionalText(get(root, "apiVersion"), "apiVersion");
        if (apiVersion != null && !apiVersion.equals(API_VERSION)) {
            throw invalid("profile package apiVersion is unsupported: " + OneLine.shown(apiVersion));
        }
        String kind = optionalText(get(root, "kind"), "kind");
        if (kind != null && !kind.equals(KIND)) {
            throw invalid("profile package kind is unsupported: " + OneLine.shown(kind));
        }

        Node metadata = get(root, "metadata");
        Node spec = get(root, "spec");
        String name = requiredText(get(metadata, "name"), "metadata.name");
        String scenarioType = requiredText(get(get(spec, "scenario"), "type"), "spec.scenario.type");
        String engineType = requiredText(get(get(spec, "engine"), "type"), "spec.engine.type");
        String installScript = requiredText(get(get(spec, "execution"), "installScript"),
                "spec.execution.installScript");

        // The name becomes a state file name: it must not be able to express a path (D10).
        if (!PROFILE_NAME.matcher(name).matches()) {
            throw invalid("profile package metadata.name is invalid: " + OneLine.shown(name));
        }
        if (!ENGINES.contains(engineType)) {
            throw invalid("unsupported profile package engine: " + OneLine.shown(engineType));
        }

        List<ProfileInput> inputs = inputs(specOrTopLevel(root, spec, "inputs", TOP_LEVEL_INPUTS_WARNING, warnings));

        // Lexical confinement only; existence is checked on the extracted tree (InstallScriptPath).
        if (InstallScriptPath.normalized(installScript).isEmpty()) {
            throw invalid("profile package install script escapes the package: " + OneLine.shown(installScript));
        }

        Optional<CompatibilitySpec> compatibility =
                compatibility(specOrTopLevel(root, spec, "compatibility", TOP_LEVEL_COMPATIBILITY_WARNING, warnings));

        String version = optionalText(get(metadata, "version"), "metadata.version");
        String category = optionalText(get(metadata, "category"), "metadata.category");
        Node runtime = get(spec, "runtime");
        return new ProfileManifest(apiVersion, kind, name, version, category, scenarioType, engineType,
                installScript, inputs, compatibility, scalarList(get(runtime, "os")),
                scalarList(get(runtime, "architectures")), warnings);
    }

    /** A block of profile.yaml and the key it was found under, for messages. */
    private record Block(Node node, String key) {
    }

    /** {@code spec.<field>}, else a legacy top-level {@code <field>} (D21), which adds {@code warning}. */
    private static Block specOrTopLevel(Node root, Node spec, String field, String warning, List<String> warnings) {
        Node nested = get(spec, field);
        Node topLevel = get(root, field);
        if (YamlTree.isNull(nested) && !YamlTree.isNull(topLevel)) {
            warnings.add(warning);
            return new Block(topLevel, field);
        }
        return new Block(nested, "spec." + field);
    }

    /** The inputs list ({@code spec.inputs} or the legacy top-level one): names unique, fields strictly typed. */
    private static List<ProfileInput> inputs(Block block) {
        if (YamlTree.isNull(block.node())) {
            return List.of();
        }
        if (!(block.node() instanceof SequenceNode sequence)) {
            throw invalid("profile package " + block.key() + " must be a list");
        }
        List<ProfileInput> inputs = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Node item : sequence.getValue()) {
            Node nameNode = get(item, "name");
            if (isBlank(nameNode)) {
                throw invalid("profile package input name is required");
            }
            if (!(nameNode instanceof ScalarNode scalar) || !INPUT_NAME.matcher(scalar.getValue()).matches()) {
                throw invalid("profile package input name is invalid: " + describe(nameNode));
            }
            String name = scalar.getValue();
            if (!names.add(name)) {
                throw invalid("profile package input '" + name + "' is declared more than once");
            }
            boolean required = strictBoolean(get(item, "required"), name, "required");
            boolean sensitive = strictBoolean(get(item, "sensitive"), name, "sensitive");
            Node sourceNode = get(item, "source");
            InputSource source = InputSource.EITHER;
            if (!YamlTree.isNull(sourceNode)) {
                source = sourceNode instanceof ScalarNode s ? InputSource.fromWire(s.getValue()).orElse(null) : null;
                if (source == null) {
                    throw invalidInputValue(name, "source", sourceNode);
                }
            }
            Node descriptionNode = get(item, "description");
            String description = "";
            if (!YamlTree.isNull(descriptionNode)) {
                if (!(descriptionNode instanceof ScalarNode s)) {
                    throw invalidInputValue(name, "description", descriptionNode);
                }
                description = s.getValue();
            }
            inputs.add(new ProfileInput(name, required, sensitive, source, description));
        }
        return inputs;
    }

    /** YAML 1.1 spellings (yes, on, True) are rejected, never coerced; quoting does not matter. */
    private static boolean strictBoolean(Node node, String input, String field) {
        if (YamlTree.isNull(node)) {
            return false;
        }
        if (node instanceof ScalarNode s && (s.getValue().equals("true") || s.getValue().equals("false"))) {
            return s.getValue().equals("true");
        }
        throw invalidInputValue(input, field, node);
    }

    /** The compatibility block ({@code spec.compatibility} or the legacy top-level one); versions and windows checked here. */
    private static Optional<CompatibilitySpec> compatibility(Block block) {
        if (YamlTree.isNull(block.node())) {
            return Optional.empty();
        }
        Node node = block.node();
        String key = block.key();
        mapping(node, key);
        Node requires = mapping(get(node, "requires"), key + ".requires");
        Node infra = mapping(get(requires, "infra"), key + ".requires.infra");
        Node core = mapping(get(requires, "core"), key + ".requires.core");
        String contract = optionalText(get(infra, "contract"), key + ".requires.infra.contract");
        String minEngine = version(get(infra, "minEngineVersion"));
        String maxEngine = version(get(infra, "maxEngineVersionExclusive"));
        requireWindow(minEngine, maxEngine);
        String minCore = version(get(core, "minVersion"));
        String maxCore = version(get(core, "maxVersionExclusive"));
        requireWindow(minCore, maxCore);
        return Optional.of(new CompatibilitySpec(contract, minEngine, maxEngine, minCore, maxCore,
                testedWith(get(node, "testedWith"))));
    }

    private static String version(Node node) {
        if (YamlTree.isNull(node)) {
            return null;
        }
        if (node instanceof ScalarNode s && Semver.isValid(s.getValue())) {
            return s.getValue();
        }
        throw invalid("profile package compatibility has invalid version: " + describe(node));
    }

    private static void requireWindow(String min, String maxExclusive) {
        if (min != null && maxExclusive != null
                && Semver.parse(min).orElseThrow().compareTo(Semver.parse(maxExclusive).orElseThrow()) >= 0) {
            throw invalid("profile package compatibility has invalid version: " + maxExclusive
                    + " is not above " + min);
        }
    }

    /** Informational only (shown by doctor), so malformed items are skipped rather than fatal. */
    private static List<TestedWith> testedWith(Node node) {
        List<TestedWith> result = new ArrayList<>();
        if (get(node, "infra") instanceof SequenceNode items) {
            for (Node item : items.getValue()) {
                if (item instanceof MappingNode) {
                    result.add(new TestedWith(scalarOrNull(get(item, "release")), scalarOrNull(get(item, "core"))));
                }
            }
        }
        return result;
    }

    private static List<String> scalarList(Node node) {
        List<String> values = new ArrayList<>();
        if (node instanceof SequenceNode sequence) {
            for (Node item : sequence.getValue()) {
                String value = scalarOrNull(item);
                if (value != null) {
                    values.add(value);
                }
            }
        } else if (scalarOrNull(node) != null) {
            values.add(scalarOrNull(node));
        }
        return values;
    }

    private static String scalarOrNull(Node node) {
        return !isBlank(node) && node instanceof ScalarNode s ? s.getValue() : null;
    }

    private static Node mapping(Node node, String key) {
        if (YamlTree.isNull(node)) {
            return null;
        }
        if (!(node instanceof MappingNode)) {
            throw invalid("profile package " + key + " must be a mapping");
        }
        return node;
    }

    /** Required scalar: absent, null and blank all count as missing. */
    private static String requiredText(Node node, String key) {
        if (isBlank(node)) {
            throw invalid("profile package " + key + " is required");
        }
        if (!(node instanceof ScalarNode s)) {
            throw invalid("profile package " + key + " must be a scalar value");
        }
        return s.getValue();
    }

    /** Optional scalar: null when absent or blank. */
    private static String optionalText(Node node, String key) {
        if (isBlank(node)) {
            return null;
        }
        if (!(node instanceof ScalarNode s)) {
            throw invalid("profile package " + key + " must be a scalar value");
        }
        return s.getValue();
    }

    private static EngineException invalidInputValue(String input, String field, Node value) {
        return invalid("profile package input '" + input + "' has invalid " + field + " value: " + describe(value));
    }

    private static EngineException invalid(String message) {
        return EngineException.invalid(message);
    }
}
