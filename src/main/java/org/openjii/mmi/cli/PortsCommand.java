package org.openjii.mmi.cli;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;

import org.openjii.mmi.component.multispeq.transport.JSerialCommTransport;
import org.openjii.mmi.component.multispeq.transport.MultispeqProbe;
import org.openjii.mmi.component.multispeq.transport.SerialPortInfo;
import org.openjii.mmi.component.multispeq.transport.SerialPortScanner;
import org.openjii.mmi.component.multispeq.transport.SerialSettings;
import org.openjii.mmi.device.SerialTransport;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mmi ports}: the serial ports, and which of them answer as a MultispeQ. */
@Command(name = "ports", mixinStandardHelpOptions = true, description = "List serial ports (path, /dev/serial/by-id alias, description, serial number, VID:PID).")
final class PortsCommand implements Callable<Integer> {

    @Option(names = "--probe", negatable = true, defaultValue = "true", description = "Ask each port 'hello' to see whether a MultispeQ answers (default: ${DEFAULT-VALUE}).")
    boolean probe;

    @Option(names = "--scan", split = ",", description = "Glob patterns to look at besides jSerialComm's list "
            + "(default: ${DEFAULT-VALUE}).", defaultValue = "/dev/serial/by-id/*,/dev/ttyACM*,/dev/ttyUSB*")
    List<String> patterns;

    @Override
    public Integer call() {
        List<SerialPortInfo> ports = SerialPortScanner.list(patterns);
        if (ports.isEmpty()) {
            System.out.println("No serial ports found (looked at jSerialComm's list and " + patterns + ").");
            return 1;
        }
        String format = "%-14s %-9s %-24s %-16s %-10s %s%n";
        System.out.printf(format, "PATH", "VID:PID", "DESCRIPTION", "SERIAL", "MULTISPEQ", "BY-ID");
        for (SerialPortInfo port : ports) {
            System.out.printf(format, port.systemPath(), orDash(port.vidPid()), orDash(port.description()),
                    orDash(port.serialNumber()), probe ? answer(port) : "-", orDash(port.byIdAlias()));
        }
        return 0;
    }

    private static String answer(SerialPortInfo port) {
        if (JSerialCommTransport.isOpenHere(port.systemPath())) {
            return "in use";
        }
        try (SerialTransport transport = JSerialCommTransport.open(port.systemPath(), SerialSettings.defaults())) {
            return MultispeqProbe.probe(transport, MultispeqProbe.ATTEMPT_TIMEOUT, 1) == null ? "yes" : "no";
        } catch (IOException e) {
            return "cannot open";
        }
    }

    private static String orDash(String s) {
        return s == null ? "-" : s;
    }
}
