package io.productivek3s.infra.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Facts about this engine build and the Java runtime running it (BOM {@code implementation}, contract §19.2). */
public record EngineBuild(String buildVersion, String javaVersion, String javaVendor, int minimumJava) {
    public static final String NAME = "productive-k3s-infra";
    public static final int MINIMUM_JAVA = 17;

    public static EngineBuild current() {
        Properties properties = new Properties();
        try (InputStream in = EngineBuild.class.getResourceAsStream("/io/productivek3s/infra/engine.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException ignored) {
            // the build version is informational; "unknown" below says so
        }
        return new EngineBuild(properties.getProperty("version", "unknown"),
                System.getProperty("java.version", "unknown"), System.getProperty("java.vendor", "unknown"), MINIMUM_JAVA);
    }
}
