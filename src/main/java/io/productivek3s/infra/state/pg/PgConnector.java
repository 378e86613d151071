package io.productivek3s.infra.state.pg;

import io.productivek3s.infra.EngineException;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Opens connections without DriverManager (its ServiceLoader scan of the class path costs start-up time) and
 * without a pool: a run needs one connection, plus one for lease renewal in long runs.
 */
final class PgConnector {
    private final PgConnectionSpec spec;
    private final org.postgresql.Driver driver = new org.postgresql.Driver();

    PgConnector(PgConnectionSpec spec) {
        this.spec = spec;
    }

    /** An open connection in auto-commit mode; failures are translated (exit 5 unreachable, 4 authentication). */
    Connection connect() {
        try {
            Connection connection = driver.connect(spec.jdbcUrl(), spec.properties());
            if (connection == null) {
                throw EngineException.invalid("the PostgreSQL driver does not accept the state backend URL "
                        + spec.description());
            }
            return connection;
        } catch (SQLException e) {
            throw PgErrors.translate(spec, "connecting", e);
        }
    }

    PgConnectionSpec spec() {
        return spec;
    }
}
