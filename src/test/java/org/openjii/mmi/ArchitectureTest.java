package org.openjii.mmi;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dependencies between packages point the way docs/architecture.md draws them. The arrows that point the wrong way
 * today are named below, each with the move that removes it; a new wrong arrow fails, and so does an exception that
 * no source needs any more.
 */
class ArchitectureTest {

    private static final Path MAP = Path.of("docs/architecture.md");
    private static final Path SOURCES = Path.of("src/main/java");

    /** The serial transport moves into device. */
    private static final PackageMap.Arrow DEVICE_USES_THE_TRANSPORT_PACKAGE = new PackageMap.Arrow("device",
            "component.multispeq.transport");
    /** The shared JSON mapper moves out of device. */
    private static final PackageMap.Arrow DELIVERY_USES_THE_DEVICE_JSON_MAPPER = new PackageMap.Arrow("delivery",
            "device");
    private static final PackageMap.Arrow BROKER_USES_THE_DEVICE_JSON_MAPPER = new PackageMap.Arrow("broker",
            "device");
    /** The dead-letter envelope moves to the shared package; the refused-message glue to component.iot. */
    private static final PackageMap.Arrow INGEST_BUILDS_THE_DEAD_LETTER_OF_A_REFUSED_MESSAGE = new PackageMap.Arrow(
            "ingest", "delivery");
    /** MmiVersion and Durations move below everything that uses them. */
    private static final Set<PackageMap.Arrow> VERSION_AND_DURATIONS_IN_THE_ROOT_PACKAGE = Set.of(
            new PackageMap.Arrow("delivery", PackageMap.ROOT), new PackageMap.Arrow("control", PackageMap.ROOT),
            new PackageMap.Arrow("broker", PackageMap.ROOT), new PackageMap.Arrow("observe", PackageMap.ROOT),
            new PackageMap.Arrow("openjii", PackageMap.ROOT), new PackageMap.Arrow("simulator", PackageMap.ROOT));

    static Set<PackageMap.Arrow> knownWrongArrows() {
        Set<PackageMap.Arrow> known = new TreeSet<>(VERSION_AND_DURATIONS_IN_THE_ROOT_PACKAGE);
        known.addAll(Set.of(DEVICE_USES_THE_TRANSPORT_PACKAGE, DELIVERY_USES_THE_DEVICE_JSON_MAPPER,
                BROKER_USES_THE_DEVICE_JSON_MAPPER, INGEST_BUILDS_THE_DEAD_LETTER_OF_A_REFUSED_MESSAGE));
        return known;
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
