package org.openjii.mmi;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dependencies between packages point the way docs/architecture.md draws them: an import (or fully qualified
 * reference) the map does not allow fails.
 */
class ArchitectureTest {

    private static final Path MAP = Path.of("docs/architecture.md");
    private static final Path SOURCES = Path.of("src/main/java");

    /** Arrows that point the wrong way and are tolerated for now: none. */
    static Set<PackageMap.Arrow> knownWrongArrows() {
        return Set.of();
    }

    @Test
    void shouldDrawOnlyTheArrowsTheMapAllows() {
        PackageMap map = PackageMap.read(MAP);

        assertThat(map.violations(PackageMap.sources(SOURCES), knownWrongArrows())).isEmpty();
    }

    @Test
    void shouldHaveEveryPackageOnTheMap() {
        PackageMap map = PackageMap.read(MAP);

        assertThat(map.allowed()).hasSizeGreaterThan(10);
        assertThat(map.unmapped(PackageMap.sources(SOURCES))).isEmpty();
    }

    @Test
    void shouldDropAnExceptionOnceItsArrowIsGone() {
        assertThat(PackageMap.unused(PackageMap.sources(SOURCES), knownWrongArrows())).isEmpty();
    }

    /** The check itself: one deliberately wrong import in the real sources is found, and nothing else. */
    @Test
    void shouldFailOnADeliberatelyWrongImport() {
        Map<String, String> sources = new HashMap<>(PackageMap.sources(SOURCES));
        sources.put("org/openjii/mmi/device/Misplaced.java", """
                package org.openjii.mmi.device;

                import org.openjii.mmi.delivery.Outbox;

                class Misplaced {
                }
                """);
        sources.put("org/openjii/mmi/message/Linked.java", """
                package org.openjii.mmi.message;

                /** Refers to {@link org.openjii.mmi.ingest.DeadLetterEnvelope} by its full name. */
                interface Linked {
                }
                """);

        assertThat(PackageMap.read(MAP).violations(sources, knownWrongArrows())).containsExactly(
                "org/openjii/mmi/device/Misplaced.java: device -> delivery",
                "org/openjii/mmi/message/Linked.java: message -> ingest");
    }

    @Test
    void shouldReadAllowedImportsFromTheTable() {
        PackageMap map = PackageMap.parse("""
                | Package | Owns | May import |
                |---|---|---|
                | `cli` | Commands | all |
                | `(root)` | Wiring | all but `cli` |
                | `device` | The device | `message` |
                | `message` | Reasons | none |
                """);

        assertThat(map.allowed()).containsEntry("cli", Set.of("(root)", "device", "message"))
                .containsEntry("(root)", Set.of("device", "message"))
                .containsEntry("device", Set.of("message"))
                .containsEntry("message", Set.of());
    }
}
