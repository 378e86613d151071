package io.productivek3s.infra.state.pg;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * scripts/release/pg-state.classlist (the classes a PostgreSQL login loads, merged into the release's start-up
 * archive) must name classes that still exist: a stale list silently costs the PostgreSQL backend its start-up gain.
 * JDK classes are not checked (they depend on the JDK the release is built with).
 */
class PgClassListTest {

    @Test
    void everyEngineAndDriverClassInTheListExists() throws IOException {
        List<String> lines = Files.readAllLines(Repo.root().resolve("scripts/release/pg-state.classlist"));
        List<String> checked = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#") || line.startsWith("@lambda-form-invoker")) {
                continue;
            }
            String[] words = line.split(" ");
            String name = line.startsWith("@lambda-proxy") ? words[1] : words[0];
            if (!name.startsWith("io/productivek3s/") && !name.startsWith("org/postgresql/")) {
                continue;
            }
            checked.add(name);
            try {
                Class.forName(name.replace('/', '.'), false, getClass().getClassLoader());
            } catch (ClassNotFoundException e) {
                missing.add(name);
            }
        }
        assertThat(checked).as("the list names the driver's and the backend's classes")
                .anyMatch(n -> n.startsWith("org/postgresql/shaded/com/ongres/scram/"))
                .anyMatch(n -> n.startsWith("io/productivek3s/infra/state/pg/"));
        assertThat(missing).as("classes gone since the list was made: run scripts/release/train-pg-classlist.sh")
                .isEmpty();
    }
}
