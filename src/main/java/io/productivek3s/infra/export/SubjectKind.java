package io.productivek3s.infra.export;

/** What an export bundle was made from (docs/export.md#what-a-bundle-contains {@code subject.kind} and {@code artifact.profile_source}). */
public enum SubjectKind {
    /** {@code profile export --tgz F}: the package is bundled byte for byte. */
    PROFILE_TGZ("profile-tgz", "packaged"),
    /** {@code export --profile F} / {@code dev profile export}: a source profile normalized into a package first. */
    SOURCE_PROFILE("source-profile", "source-profile");

    private final String kind;
    private final String profileSource;

    SubjectKind(String kind, String profileSource) {
        this.kind = kind;
        this.profileSource = profileSource;
    }

    public String kind() {
        return kind;
    }

    public String profileSource() {
        return profileSource;
    }
}
