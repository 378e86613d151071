package io.productivek3s.infra;

import static org.assertj.core.api.Assertions.assertThat;

import io.productivek3s.infra.testing.Repo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The repository describes itself (docs/contract/README.md): code and docs cite sections of {@code docs/}, never the
 * numbered sections of a document outside the repository, and every cited page and section exists. Citations are
 * {@code docs/<page>.md}, {@code docs/<page>.md#<anchor>} (a heading's GitHub slug or an explicit
 * {@code <a id="…">}), {@code docs/<page>.md "<Section>"} (a heading, or a paragraph's bold label) and, inside
 * {@code docs/} and the README, relative Markdown links.
 */
class RepositoryDocsTest {
    /** The section sign, written as an escape so this file does not cite anything itself. */
    private static final String SECTION_SIGN = "\u00a7";
    private static final Pattern ANCHOR_CITE = Pattern.compile("docs/([\\w./-]+?\\.md)(?:#([\\w-]+))?");
    private static final Pattern SECTION_CITE = Pattern.compile(
            "docs/([\\w./-]+?\\.md)\\s+(?:(?://|\\*|#)\\s*)?\"([^\"\\n]+)\"");
    private static final Pattern MARKDOWN_LINK = Pattern.compile("\\]\\(([^)\\s:]*?\\.md)?(?:#([\\w-]+))?\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*#*\\s*$", Pattern.MULTILINE);
    private static final Pattern DEFECT = Pattern.compile("\\bD(\\d{2})\\b");
    private static final Pattern EXPLICIT_ANCHOR = Pattern.compile("<a\\s+(?:id|name)=\"([^\"]+)\"");

    private final Path root = Repo.root();
    private final Map<Path, Page> pages = new HashMap<>();

    @Test
    void nothingCitesNumberedSectionsOfAnOutsideDocument() {
        List<String> offenders = new ArrayList<>();
        for (Path file : files("src/main", "src/test", "scripts", "bench", "docs", "README.md", "DEVELOPERS.md",
                "productive-k3s-infra.sh")) {
            List<String> lines = text(file).lines().toList();
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(SECTION_SIGN)) {
                    offenders.add(root.relativize(file) + ":" + (i + 1) + ": " + lines.get(i).strip());
                }
            }
        }
        assertThat(offenders).as("cite a docs/ section (docs/contract/README.md lists them), not a numbered section")
                .isEmpty();
    }

    @Test
    void everyDocsCitationInCodeExists() {
        List<String> broken = new ArrayList<>();
        for (Path file : files("src/main", "src/test", "scripts", "bench", "productive-k3s-infra.sh")) {
            checkRepoCitations(file, broken);
        }
        assertThat(broken).as("citations of docs/ pages or sections that do not exist").isEmpty();
    }

    @Test
    void everyCitationAndLinkInTheDocsExists() {
        List<String> broken = new ArrayList<>();
        for (Path file : files("docs", "README.md", "DEVELOPERS.md")) {
            if (!file.toString().endsWith(".md")) {
                continue;
            }
            checkRepoCitations(file, broken);
            Matcher link = MARKDOWN_LINK.matcher(text(file));
            while (link.find()) {
                Path target = link.group(1) == null ? file : file.getParent().resolve(link.group(1)).normalize();
                check(file, link.group(0), target, link.group(2), null, broken);
            }
        }
        assertThat(broken).as("links and citations in docs/ that lead nowhere").isEmpty();
    }

    @Test
    void everyBashEngineDefectNamedByNumberIsDescribed() {
        Path notes = root.resolve("docs/contract-notes.md");
        Set<String> described = Page.parse(text(notes)).anchors;
        List<String> unknown = new ArrayList<>();
        for (Path file : files("src/main", "src/test", "scripts", "docs", "README.md", "DEVELOPERS.md")) {
            Matcher defect = DEFECT.matcher(text(file));
            while (defect.find()) {
                if (!described.contains("d" + defect.group(1))) {
                    unknown.add(root.relativize(file) + ": " + defect.group());
                }
            }
        }
        assertThat(described).contains("d01", "d46");
        assertThat(unknown).as("defect numbers without a row in docs/contract-notes.md").isEmpty();
    }

    @Test
    void headingsAndBoldLabelsAreSectionsAndSlugsFollowGitHub() {
        Page page = Page.parse("""
                # Title
                ## `profile.yaml`
                ## Dependencies (exit 5) and runtime (exit 1)
                ## Layout
                ### Layout
                ## State at scale (issue 17)
                <a id="stable-id"></a>
                **History.** Every persist is a revision.
                """);
        assertThat(page.anchors).contains("title", "profileyaml", "dependencies-exit-5-and-runtime-exit-1", "layout",
                "layout-1", "stable-id");
        assertThat(page.hasSection("profile.yaml")).isTrue();
        assertThat(page.hasSection("History")).isTrue();
        assertThat(page.hasSection("State at scale")).isTrue();
        assertThat(page.hasSection("State")).isFalse();
        assertThat(page.hasSection("Every persist")).isFalse();
        assertThat(page.anchors).doesNotContain("history");
    }

    private void checkRepoCitations(Path file, List<String> broken) {
        String text = text(file);
        Matcher section = SECTION_CITE.matcher(text);
        while (section.find()) {
            check(file, section.group(0), root.resolve("docs").resolve(section.group(1)), null, section.group(2), broken);
        }
        Matcher anchor = ANCHOR_CITE.matcher(text);
        while (anchor.find()) {
            check(file, anchor.group(0), root.resolve("docs").resolve(anchor.group(1)), anchor.group(2), null, broken);
        }
    }

    private void check(Path from, String cite, Path target, String anchor, String section, List<String> broken) {
        String where = root.relativize(from) + ": " + cite;
        if (!Files.isRegularFile(target)) {
            broken.add(where + " (no such page)");
            return;
        }
        Page page = pages.computeIfAbsent(target, t -> Page.parse(text(t)));
        if (anchor != null && !page.anchors.contains(anchor)) {
            broken.add(where + " (no such anchor)");
        }
        if (section != null && !page.hasSection(section)) {
            broken.add(where + " (no such heading or bold label)");
        }
    }

    /** Text files under the given repository paths; binaries and build output are not read. */
    private List<Path> files(String... paths) {
        List<Path> files = new ArrayList<>();
        for (String path : paths) {
            Path start = root.resolve(path);
            if (Files.isRegularFile(start)) {
                files.add(start);
            } else if (Files.isDirectory(start)) {
                try (Stream<Path> walk = Files.walk(start)) {
                    walk.filter(Files::isRegularFile).filter(f -> !f.toString().contains("/target/"))
                            .filter(RepositoryDocsTest::isText).forEach(files::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return files;
    }

    private static boolean isText(Path file) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)));
            return true;
        } catch (CharacterCodingException e) {
            return false; // archives and other fixtures
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Markdown page's anchors (GitHub heading slugs, explicit ids) and its section names. */
    private record Page(Set<String> anchors, Set<String> headings, String text) {
        static Page parse(String markdown) {
            String outsideCode = markdown.replaceAll("(?ms)^\\s*```.*?^\\s*```", "");
            Set<String> anchors = new HashSet<>();
            Set<String> headings = new HashSet<>();
            Map<String, Integer> seen = new HashMap<>();
            Matcher heading = HEADING.matcher(outsideCode);
            while (heading.find()) {
                String title = heading.group(1).replaceAll("\\[([^]]*)]\\([^)]*\\)", "$1");
                headings.add(plain(title));
                String slug = slug(title);
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                anchors.add(n == 0 ? slug : slug + "-" + n);
            }
            Matcher explicit = EXPLICIT_ANCHOR.matcher(markdown);
            while (explicit.find()) {
                anchors.add(explicit.group(1));
            }
            return new Page(anchors, headings, outsideCode);
        }

        boolean hasSection(String name) {
            String wanted = plain(name);
            if (headings.contains(wanted) || headings.stream().anyMatch(h -> h.startsWith(wanted + " ("))) {
                return true; // "State at scale" names "State at scale (issue 17)"
            }
            // A bold paragraph label: **History.**, **Credentials: …**, **JIT — …**, **Reproducible:**
            return Pattern.compile("\\*\\*" + Pattern.quote(name) + "(?:[.:,]|\\*\\*| —| \\()").matcher(text).find();
        }

        /** GitHub's slug: lower case, punctuation dropped (hyphens and underscores kept), spaces to hyphens. */
        static String slug(String title) {
            return title.strip().toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}\\s_-]", "").replace(' ', '-');
        }

        private static String plain(String title) {
            return title.replace("`", "").strip().toLowerCase(Locale.ROOT);
        }
    }
}
