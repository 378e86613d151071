package io.productivek3s.infra.catalog;

/**
 * Receives the byte count of one download as it goes. The engine draws a bar on a terminal and stays silent
 * otherwise; libraries only report.
 */
public interface Progress {
    Progress NONE = new Progress() {
        @Override
        public void update(long bytes) {
        }

        @Override
        public void finish() {
        }
    };

    /** Bytes received so far. */
    void update(long bytes);

    /** The download ended (successfully or not); a drawn bar is closed with a newline. */
    void finish();

    /** Creates the progress sink of one download. */
    interface Factory {
        Factory NONE = (label, totalBytes) -> Progress.NONE;

        /** @param totalBytes announced size, or -1 when the server did not say */
        Progress start(String label, long totalBytes);
    }
}
