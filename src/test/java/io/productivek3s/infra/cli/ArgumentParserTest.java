package io.productivek3s.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import org.junit.jupiter.api.Test;

class ArgumentParserTest {
    private Invocation parse(String... args) {
        return new ArgumentParser().parse(args);
    }

    @Test
    void flagsAnywhereAndPositionalsInOrder() {
        Invocation inv = parse("--debug", "profile", "--tgz", "a.tgz", "install", "--env-file", "e.env", "--dry-run");
        assertThat(inv.positionals()).containsExactly("profile", "install");
        assertThat(inv.value(Flag.TGZ)).isEqualTo("a.tgz");
        assertThat(inv.value(Flag.ENV_FILE)).isEqualTo("e.env");
        assertThat(inv.debug()).isTrue();
        assertThat(inv.has(Flag.DRY_RUN)).isTrue();
    }

    @Test
    void theTokenAfterAValueFlagIsAlwaysItsValue() {
        assertThat(parse("profile", "validate", "--tgz", "--debug").value(Flag.TGZ)).isEqualTo("--debug");
        assertThat(parse("profile", "validate", "--tgz", "--debug").debug()).isFalse();
        assertThat(parse("--tgz", "--env-file", "x").value(Flag.TGZ)).isEqualTo("--env-file");
        assertThat(parse("--tgz", "-h").value(Flag.TGZ)).isEqualTo("-h");
    }

    @Test
    void dashOIsAnOutputFormatExceptForCommandsThatForwardTheirArgumentsToMake() {
        Invocation json = OutputFormat.resolve(parse("state", "-o", "json", "list"));
        assertThat(json.positionals()).containsExactly("state", "list");
        assertThat(json.json()).isTrue();
        assertThat(json.value("-o")).isNull();
        assertThat(OutputFormat.resolve(parse("version", "--output=json")).json()).isTrue();
        assertThat(OutputFormat.resolve(parse("version", "--output=json")).value(Flag.OUTPUT)).isNull();
        // --output is the destination of profile export: json is a directory name there
        Invocation export = OutputFormat.resolve(parse("profile", "export", "--tgz", "a.tgz", "--output", "json"));
        assertThat(export.value(Flag.OUTPUT)).isEqualTo("json");
        assertThat(export.json()).isFalse();
        assertThatThrownBy(() -> OutputFormat.resolve(parse("profile", "export", "-o", "json")))
                .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.exitCode()).isEqualTo(2));
        assertThatThrownBy(() -> parse("version", "-o")).isInstanceOfSatisfying(EngineException.class,
                e -> assertThat(e.getMessage()).isEqualTo("-o requires a value (-o json prints JSON)"));
        Invocation legacy = OutputFormat.resolve(parse("multipass", "status", "-o", "json"));
        assertThat(legacy.positionals()).containsExactly("multipass", "status", "-o", "json");
        assertThat(legacy.json()).isFalse();
    }

    @Test
    void lastOccurrenceWinsAndProfileSharesItsSlot() {
        assertThat(parse("--tgz", "a", "--tgz", "b").value(Flag.TGZ)).isEqualTo("b");
        assertThat(parse("--profile-env", "p.env", "--profile", "q.env").value(Flag.PROFILE)).isEqualTo("q.env");
        assertThat(parse("--profile", "q.env", "--profile-env", "p.env").value(Flag.PROFILE)).isEqualTo("p.env");
    }

    @Test
    void equalsFormIsAcceptedAndEmptyIsAnError() {
        assertThat(parse("--tgz=x.tgz", "--output=out dir").value(Flag.OUTPUT)).isEqualTo("out dir");
        assertThat(parse("--tgz=x.tgz").value(Flag.TGZ)).isEqualTo("x.tgz");
        assertThatThrownBy(() -> parse("--env-file=")).isInstanceOf(EngineException.class)
                .hasMessage("--env-file requires a value").extracting(e -> ((EngineException) e).exitCode()).isEqualTo(2);
        assertThatThrownBy(() -> parse("profile", "install", "--tgz")).hasMessage("--tgz requires a value");
    }

    @Test
    void unknownDashTokensStayPositional() {
        Invocation inv = parse("multipass", "up", "--foo", "-x", "TELEMETRY_ENABLED=false", "--", "--bar=1");
        assertThat(inv.positionals()).containsExactly("multipass", "up", "--foo", "-x", "TELEMETRY_ENABLED=false", "--", "--bar=1");
    }

    @Test
    void unknownDoubleAndSingleDashTokensAreListedAsUnknownFlags() {
        Invocation inv = parse("profile", "install", "--nmae=site-b", "-n", "site-y", "--", "-", "-1", "-h", "--help");
        assertThat(inv.unknownFlags()).containsExactly("--nmae", "-n");
        assertThat(inv.positionals()).containsExactly("profile", "install", "--nmae=site-b", "-n", "site-y", "--", "-",
                "-1", "-h", "--help");
        assertThat(parse("state", "list", "-q=1", "--json").unknownFlags()).containsExactly("-q");
        assertThat(parse("--tgz", "-n").unknownFlags()).as("a value is never a flag").isEmpty();
    }

    @Test
    void versionFlagIsTheVersionCommandExceptForCore() {
        assertThat(parse("--version").versionFlag()).isTrue();
        assertThat(parse("--version").positionals()).isEmpty();
        Invocation core = parse("core", "fetch", "--version", "0.9.6");
        assertThat(core.value(Flag.VERSION)).isEqualTo("0.9.6");
        assertThat(core.positionals()).containsExactly("core", "fetch");
        assertThat(parse("core", "info", "--version=v0.9.5").value(Flag.VERSION)).isEqualTo("v0.9.5");
    }

    @Test
    void eventsAndBooleans() {
        Invocation inv = parse("--events", "ndjson", "--json", "--yes", "--force", "--offline", "version");
        assertThat(inv.eventsNdjson()).isTrue();
        assertThat(inv.json()).isTrue();
        assertThat(inv.has(Flag.YES)).isTrue();
        assertThat(inv.has(Flag.FORCE)).isTrue();
        assertThat(inv.has(Flag.OFFLINE)).isTrue();
        assertThat(parse("--events", "xml").eventsNdjson()).isFalse();
    }

    @Test
    void valuesAreKeptVerbatim() {
        assertThat(parse("--tgz", "@file").value(Flag.TGZ)).isEqualTo("@file");
        assertThat(parse("--tgz", "\"quoted\"").value(Flag.TGZ)).isEqualTo("\"quoted\"");
        assertThat(parse("--output", "").value(Flag.OUTPUT)).isEmpty();
    }
}
