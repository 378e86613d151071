package io.productivek3s.infra.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Facts about this engine build and the Java runtime running it (BOM {@code implementation}, docs/contract/output.md#bom-document). */
public record EngineBuild(String buildVersion, String javaVersion, String javaVendor, int minimumJava) {
    public static final String NAME = "productive-k3s-infra";
    public static final int MINIMUM_JAVA = 17;

    public static EngineBuild current() {
        return new EngineBuild(readBuildVersion(), System.getProperty("java.version", "unknown"),
                System.getProperty("java.vendor", "unknown"), MINIMUM_JAVA);
    }

    /**
     * The jar manifest's Implementation-Version, which the class loader has already read (a resource lookup costs
     * ~10 ms at start-up); engine.properties only when running from unpacked classes (unit tests).
     */
    private static String readBuildVersion() {
        String fromManifest = EngineBuild.class.getPackage().getImplementationVersion();
        if (fromManifest != null && !fromManifest.isEmpty()) {
            return fromManifest;
        }
        Properties properties = new Properties();
        try (InputStream in = EngineBuild.class.getResourceAsStream("/io/productivek3s/infra/engine.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException ignored) {
            // the build version is informational; "unknown" below says so
        }
        return properties.getProperty("version", "unknown");
    }
}
