package io.productivek3s.infra.action;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.productivek3s.infra.EngineException;
import io.productivek3s.infra.env.EnvFile;
import io.productivek3s.infra.env.EnvStack;
import io.productivek3s.infra.env.Layer;
import io.productivek3s.infra.pkg.InputSource;
import io.productivek3s.infra.pkg.ProfileInput;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class InputCheckTest {
    private static ProfileInput input(String name, boolean required, InputSource source) {
        return new ProfileInput(name, required, false, source, "");
    }

    private final List<ProfileInput> inputs = List.of(
            input("A_LOCAL", true, InputSource.LOCAL_OVERRIDE),
            input("B_DEFAULT", true, InputSource.PACKAGE_DEFAULT),
            input("C_EITHER", true, InputSource.EITHER),
            input("D_LOCAL", true, InputSource.LOCAL_OVERRIDE),
            input("E_OPTIONAL", false, InputSource.LOCAL_OVERRIDE));

    @Test
    void overrideGroupIsReportedFirstWithAllNamesInManifestOrder() {
        assertThatThrownBy(() -> InputCheck.check(inputs, Optional.empty(), name -> Optional.empty()))
                .isInstanceOf(EngineException.class)
                .hasMessage("required packaged profile inputs must be provided through --env-file: A_LOCAL D_LOCAL");
    }

    @Test
    void defaultGroupUsesTheEffectiveValueAndWhitespaceIsEmpty() {
        EnvStack stack = new EnvStack(Map.of("C_EITHER", "from-process"), message -> { }, false);
        stack.loadText("B_DEFAULT=\"  \"\n", "profile.env", Layer.PACKAGE);
        EnvFile override = stack.loadText("A_LOCAL=1\nD_LOCAL=2\n", "site.env", Layer.OVERRIDE);
        assertThatThrownBy(() -> InputCheck.check(inputs, Optional.of(override), stack::effective))
                .hasMessage("required packaged profile inputs are missing from package defaults or local overrides: B_DEFAULT");
    }

    @Test
    void satisfiedWhenTheOverrideFileItselfAssignsLocalInputs() {
        EnvStack stack = new EnvStack(Map.of(), message -> { }, false);
        stack.loadText("B_DEFAULT=x\nC_EITHER=y\nA_LOCAL=placeholder\n", "profile.env", Layer.PACKAGE);
        EnvFile override = stack.loadText("A_LOCAL=real\nD_LOCAL=$B_DEFAULT\n", "site.env", Layer.OVERRIDE);
        assertThatCode(() -> InputCheck.check(inputs, Optional.of(override), stack::effective)).doesNotThrowAnyException();
        assertThat(override.assignsNonBlank("D_LOCAL")).isTrue();
    }
}
