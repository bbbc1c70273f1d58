package org.openjii.mmi.component.multispeq.integration;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.component.multispeq.transport.JSerialCommTransport;
import org.openjii.mmi.component.multispeq.transport.MultispeqProbe;
import org.openjii.mmi.component.multispeq.transport.SerialPortInfo;
import org.openjii.mmi.component.multispeq.transport.SerialPortScanner;
import org.openjii.mmi.component.multispeq.transport.SerialSettings;
import org.openjii.mmi.device.SerialTransport;
import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.simulator.ToolAssumptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Port listing, exclusive opening and probing on real pseudo-terminals. */
class SerialPortsIT {

    @TempDir
    Path dir;

    private PtySimulator device;

    @BeforeEach
    void startDevice() throws IOException {
        ToolAssumptions.assumeTool("socat", PtySimulator.socatAvailable());
        device = PtySimulator.start(dir.resolve("ttyQ0"), SimulatorOptions.defaults());
    }

    @AfterEach
    void stopDevice() {
        if (device != null) {
            device.close();
        }
    }

    @Test
    void shouldListAPortFoundByPatternWithItsDeviceNodeAndLink() throws IOException {
        List<SerialPortInfo> ports = SerialPortScanner.list(List.of(dir + "/ttyQ?"));

        String node = device.hostLink().toRealPath().toString();
        assertThat(ports).filteredOn(p -> p.systemPath().equals(node))
                .singleElement()
                .satisfies(p -> {
                    assertThat(p.byIdAlias()).isEqualTo(device.hostLink().toString());
                    assertThat(p.preferredPath()).isEqualTo(device.hostLink().toString());
                });
    }

    @Test
    void shouldRefuseASecondOpenOfTheSameDeviceAndSayWhoHoldsIt() throws IOException {
        try (SerialTransport first = JSerialCommTransport.open(device.hostLink().toString(),
                SerialSettings.defaults())) {
            assertThat(JSerialCommTransport.isOpenHere(first.systemPath())).isTrue();

            assertThatThrownBy(() -> JSerialCommTransport.open(first.systemPath(), SerialSettings.defaults()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("is already open in this process as "
                            + device.hostLink());
        }
    }

    @Test
    void shouldNameAMissingPort() {
        assertThatThrownBy(() -> JSerialCommTransport.open(dir + "/ttyNone", SerialSettings.defaults()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(dir + "/ttyNone does not exist");
    }

    @Test
    void shouldProbeTheSimulatorAsAMultispeq() throws IOException {
        try (SerialTransport transport = JSerialCommTransport.open(device.hostLink().toString(),
                SerialSettings.defaults())) {
            assertThat(MultispeqProbe.probe(transport, Duration.ofSeconds(2), 1)).isNull();
        }
    }
}
