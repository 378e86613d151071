package io.productivek3s.infra.source;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.regex.Pattern;

/**
 * Copies a checkout tree into a package staging directory without following symlinks (links are copied as links,
 * so the package validator judges them) and keeping execute bits. Special files are never copied.
 */
final class TreeCopy {
    /** Runtime output, provider caches, test output and VCS data: never part of a package (D17). */
    private static final Set<String> PRIVATE_DIRS = Set.of("generated", ".terraform", "test-artifacts", ".git");
    private static final Pattern TFSTATE = Pattern.compile("terraform\\.tfstate.*");

    private TreeCopy() {
    }

    /**
     * Whether a scenario path belongs in a normalized package (docs/contract/source.md#normalized-package): not under {@code generated/},
     * {@code .terraform/}, {@code test-artifacts/}, no {@code terraform.tfstate*}, and no local env file
     * ({@code onprem.env}, {@code aws.env.local}, …) except the {@code *.env.example} templates.
     *
     * @param rel       path relative to the scenario directory, {@code /}-separated
     * @param directory whether the path is a real directory
     */
    static boolean scenarioFile(String rel, boolean directory) {
        String name = rel.substring(rel.lastIndexOf('/') + 1);
        if (directory) {
            return !PRIVATE_DIRS.contains(name);
        }
        if (TFSTATE.matcher(name).matches()) {
            return false;
        }
        boolean envFile = name.endsWith(".env") || name.contains(".env.");
        return !envFile || name.endsWith(".env.example");
    }

    /** Copies {@code source} to {@code target} (created), keeping what {@code include} accepts. */
    static void copy(Path source, Path target, BiPredicate<String, Boolean> include) throws IOException {
        Files.createDirectories(target);
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (dir.equals(source)) {
                    return FileVisitResult.CONTINUE;
                }
                String rel = relative(source, dir);
                if (!include.test(rel, true)) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Files.createDirectories(target.resolve(rel));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = relative(source, file);
                if (!include.test(rel, false)) {
                    return FileVisitResult.CONTINUE;
                }
                Path destination = target.resolve(rel);
                if (attrs.isSymbolicLink()) {
                    Files.createSymbolicLink(destination, Files.readSymbolicLink(file));
                } else if (attrs.isRegularFile()) {
                    Files.copy(file, destination, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static String relative(Path root, Path path) {
        return root.relativize(path).toString().replace('\\', '/');
    }
}
