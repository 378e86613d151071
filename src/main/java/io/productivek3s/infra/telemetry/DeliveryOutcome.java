package io.productivek3s.infra.telemetry;

/**
 * Result of delivering one event: whether it arrived, how many attempts were made, and the last failure in curl's
 * vocabulary (docs/telemetry.md#outbox: 6 resolve, 7 connect, 22 HTTP ≥ 400, 28 timeout, 35 TLS, 1 other; 0 on success).
 *
 * @param httpStatus the last HTTP status, 0 when no response was received
 */
public record DeliveryOutcome(boolean delivered, int attempts, int curlExit, int httpStatus) {
    public static final int RESOLVE = 6;
    public static final int CONNECT = 7;
    public static final int HTTP_ERROR = 22;
    public static final int TIMEOUT = 28;
    public static final int TLS = 35;
    public static final int OTHER = 1;

    public static DeliveryOutcome delivered(int attempts, int httpStatus) {
        return new DeliveryOutcome(true, attempts, 0, httpStatus);
    }

    /** One-line summary for DEBUG lines. */
    public String describe() {
        return (delivered ? "delivered" : "not delivered") + " after " + attempts + " attempt(s)"
                + (delivered ? "" : ", curl_exit=" + curlExit) + (httpStatus == 0 ? "" : ", http_status=" + httpStatus);
    }
}
