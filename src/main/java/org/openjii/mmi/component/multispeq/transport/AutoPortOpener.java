package org.openjii.mmi.component.multispeq.transport;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.openjii.mmi.device.SerialTransport;
import org.openjii.mmi.device.TransportOpener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code port=auto}: scans the serial ports and keeps the first that answers {@code hello} like a MultispeQ. Ports
 * already open in this process (other devices, other sessions) are skipped; Teensy devices are tried first.
 */
public final class AutoPortOpener implements TransportOpener {

    private static final Logger LOG = LoggerFactory.getLogger(AutoPortOpener.class);

    private final List<String> patterns;
    private final SerialSettings settings;

    public AutoPortOpener(List<String> patterns, SerialSettings settings) {
        this.patterns = List.copyOf(patterns);
        this.settings = settings;
    }

    @Override
    public SerialTransport open() throws IOException {
        Set<String> nodes = new LinkedHashSet<>();
        List<String> tried = new ArrayList<>();
        for (SerialPortInfo info : SerialPortScanner.list(patterns)) {
            if (!nodes.add(info.systemPath()) || JSerialCommTransport.isOpenHere(info.systemPath())) {
                continue;
            }
            String path = info.preferredPath();
            SerialTransport transport;
            try {
                transport = JSerialCommTransport.open(path, settings);
            } catch (IOException e) {
                tried.add(path + ": " + e.getMessage());
                continue;
            }
            String problem;
            try {
                problem = MultispeqProbe.probe(transport, MultispeqProbe.ATTEMPT_TIMEOUT, 2);
            } catch (IOException e) {
                problem = e.getMessage();
            }
            if (problem == null) {
                LOG.info("auto: MultispeQ found at {}", transport);
                return transport;
            }
            transport.close();
            tried.add(path + ": " + problem);
        }
        if (tried.isEmpty()) {
            throw new IOException("auto: no serial ports found (looked at jSerialComm's list and " + patterns + ")");
        }
        throw new IOException("auto: no MultispeQ answered hello; tried " + tried);
    }
}
