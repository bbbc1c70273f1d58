package org.openjii.mmi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The package map of docs/architecture.md and the arrows the sources draw. A plain scan of the source text: every
 * {@code import} and every fully qualified {@code org.openjii.mmi...Type} (javadoc links included, since a reader
 * follows them too) is an arrow from the file's package to the package of the type. It reads the sources rather than
 * the bytecode so that it needs no library and sees what a reader sees.
 *
 * @param allowed for each package (relative to {@code org.openjii.mmi}, {@code (root)} for the root), the packages
 *     it may import
 */
record PackageMap(Map<String, Set<String>> allowed) {

    static final String ROOT = "(root)";
    private static final Pattern ROW = Pattern.compile("(?m)^\\| `([a-z.()]+)` \\| [^|]+ \\| ([^|]+) \\|$");
    private static final Pattern NAME = Pattern.compile("`([a-z.()]+)`");
    private static final Pattern REFERENCE = Pattern.compile("\\borg\\.openjii\\.mmi((?:\\.[a-z][a-z0-9]*)*)\\.[A-Z]");
    private static final Pattern PACKAGE = Pattern.compile("(?m)^package org\\.openjii\\.mmi((?:\\.[a-z][a-z0-9]*)*);");

    /** Package {@code from} uses package {@code to}. */
    record Arrow(String from, String to) implements Comparable<Arrow> {

        @Override
        public int compareTo(Arrow other) {
            return toString().compareTo(other.toString());
        }

        @Override
        public String toString() {
            return from + " -> " + to;
        }
    }

    /** The map in the table of {@code markdown}: a row per package; "all", "all but `x`", "none" or a list. */
    static PackageMap parse(String markdown) {
        Map<String, String> rows = new LinkedHashMap<>();
        Matcher row = ROW.matcher(markdown);
        while (row.find()) {
            rows.put(row.group(1), row.group(2).strip());
        }
        Map<String, Set<String>> allowed = new LinkedHashMap<>();
        rows.forEach((name, mayImport) -> {
            Set<String> names = new TreeSet<>();
            Matcher listed = NAME.matcher(mayImport);
            while (listed.find()) {
                names.add(listed.group(1));
            }
            if (mayImport.startsWith("all")) {
                Set<String> all = new TreeSet<>(rows.keySet());
                all.removeAll(names);
                names = all;
            }
            names.remove(name);
            allowed.put(name, names);
        });
        return new PackageMap(allowed);
    }

    static PackageMap read(Path markdown) {
        try {
            return parse(Files.readString(markdown));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every {@code .java} file below {@code root}, by path, with its text. */
    static Map<String, String> sources(Path root) {
        Map<String, String> sources = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                sources.put(root.relativize(file).toString(), Files.readString(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sources;
    }

    /** The arrows each source file draws to other packages of mmi, by file. */
    static Map<String, Set<Arrow>> arrows(Map<String, String> sources) {
        Map<String, Set<Arrow>> arrows = new TreeMap<>();
        sources.forEach((file, text) -> {
            Matcher declared = PACKAGE.matcher(text);
            if (!declared.find()) {
                return;
            }
            String from = name(declared.group(1));
            Matcher reference = REFERENCE.matcher(text);
            while (reference.find()) {
                String to = name(reference.group(1));
                if (!to.equals(from)) {
                    arrows.computeIfAbsent(file, f -> new TreeSet<>()).add(new Arrow(from, to));
                }
            }
        });
        return arrows;
    }

    /** {@code .device} to {@code device}, the empty suffix to {@value #ROOT}. */
    private static String name(String suffix) {
        return suffix.isEmpty() ? ROOT : suffix.substring(1);
    }

    /** The packages of the sources that the map has no row for. */
    List<String> unmapped(Map<String, String> sources) {
        Set<String> missing = new TreeSet<>();
        for (String text : sources.values()) {
            Matcher declared = PACKAGE.matcher(text);
            if (declared.find() && !allowed.containsKey(name(declared.group(1)))) {
                missing.add(name(declared.group(1)));
            }
        }
        return List.copyOf(missing);
    }

    /**
     * The arrows of {@code sources} that the map does not allow and that are not among {@code exceptions}, one line
     * per file and arrow: {@code device/Foo.java: device -> delivery}.
     */
    List<String> violations(Map<String, String> sources, Set<Arrow> exceptions) {
        List<String> violations = new ArrayList<>();
        arrows(sources).forEach((file, fileArrows) -> {
            for (Arrow arrow : fileArrows) {
                Set<String> may = allowed.get(arrow.from());
                if (may != null && !may.contains(arrow.to()) && !exceptions.contains(arrow)) {
                    violations.add(file + ": " + arrow);
                }
            }
        });
        return violations;
    }

    /** The exceptions that no source needs any more. */
    static Set<Arrow> unused(Map<String, String> sources, Set<Arrow> exceptions) {
        Set<Arrow> drawn = new TreeSet<>();
        arrows(sources).values().forEach(drawn::addAll);
        Set<Arrow> unused = new TreeSet<>();
        unused.addAll(exceptions);
        unused.removeAll(drawn);
        return unused;
    }
}
