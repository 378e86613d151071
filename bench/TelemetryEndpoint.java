import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;

/**
 * A deliberately broken telemetry endpoint on 127.0.0.1 for bench/telemetry-exit-delay.sh:
 * {@code hang} accepts requests and never answers, {@code fail} answers 500, {@code ok} answers 202.
 * Prints the port, then serves until killed. Run with {@code java bench/TelemetryEndpoint.java <mode>}.
 */
public class TelemetryEndpoint {
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "hang";
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            switch (mode) {
                case "hang" -> {
                    try {
                        Thread.sleep(Long.MAX_VALUE);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                case "fail" -> exchange.sendResponseHeaders(500, -1);
                default -> exchange.sendResponseHeaders(202, -1);
            }
            exchange.close();
        });
        server.start();
        System.out.println(server.getAddress().getPort());
        System.out.flush();
    }
}
