package io.productivek3s.infra.pkg;

import java.io.OutputStream;

/** Receives members that passed validation. Failures are reported as {@link io.productivek3s.infra.EngineException}. */
interface ArchiveSink {
    /** Validation only: nothing is written. */
    ArchiveSink DISCARD = new ArchiveSink() {
        @Override
        public void directory(ArchiveModel.Member member) {
        }

        @Override
        public OutputStream openFile(ArchiveModel.Member member) {
            return OutputStream.nullOutputStream();
        }

        @Override
        public void closeFile(ArchiveModel.Member member) {
        }

        @Override
        public void symlink(ArchiveModel.Member member) {
        }

        @Override
        public void hardLink(ArchiveModel.Member member) {
        }
    };

    void directory(ArchiveModel.Member member);

    /** The returned stream reports write failures as unchecked engine errors, never as IOException. */
    OutputStream openFile(ArchiveModel.Member member);

    void closeFile(ArchiveModel.Member member);

    void symlink(ArchiveModel.Member member);

    void hardLink(ArchiveModel.Member member);
}
