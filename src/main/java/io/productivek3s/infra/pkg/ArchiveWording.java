package io.productivek3s.infra.pkg;

import io.productivek3s.infra.EngineException;

/**
 * How archive failures are worded for one kind of archive, so the same hardened reader serves profile packages
 * (docs/contract/output.md#contract-validation-binding-exit-4 texts) and other archives such as Core bundles. Every failure is an exit-4 error.
 *
 * @param subject    what the archive is, e.g. {@code profile package}: "{@code <subject> contains an unsafe entry}"
 * @param unreadable the text before the display path when the archive is not a readable gzip tar
 */
public record ArchiveWording(String subject, String unreadable) {
    /** The docs/contract/output.md#contract-validation-binding-exit-4 texts for {@code profile.tgz}. */
    public static final ArchiveWording PROFILE_PACKAGE = new ArchiveWording("profile package", "could not extract tgz package");

    EngineException unsafe(String rawName) {
        String shown = rawName.length() <= 1024 ? rawName : rawName.substring(0, 1024) + "...";
        return EngineException.invalid(subject + " contains an unsafe entry: " + OneLine.shown(shown));
    }

    EngineException limitsExceeded(String detail) {
        return EngineException.invalid(subject + " exceeds extraction limits: " + detail);
    }

    EngineException unreadable(String displayPath) {
        return EngineException.invalid(unreadable + ": " + displayPath);
    }
}
