package org.openjii.mmi.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.SimulatorOptions;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mmi simulate}: a simulated MultispeQ on a pseudo-terminal, for other tools and demos. */
@Command(name = "simulate", mixinStandardHelpOptions = true, description = "Run a simulated MultispeQ on a pseudo-terminal (needs socat) until interrupted.")
final class SimulateCommand implements Callable<Integer> {

    @Option(names = "--link", required = true, description = "Path of the serial port to create, e.g. /tmp/ttyMSQ (open it like /dev/ttyACM0).")
    Path link;

    @Option(names = "--options", defaultValue = "", description = "Simulator options, e.g. id=01:12:53:20,firmware=2.3465,max-run-time=2s.")
    String options;

    @Option(names = "--faults", description = "Faults to inject, e.g. crc:0.1;garbage:0.2;unplug:0.01.")
    String faults;

    @Override
    public Integer call() throws Exception {
        String spec = options;
        if (faults != null && !faults.isBlank()) {
            spec = (spec.isBlank() ? "" : spec + ",") + "faults=" + faults;
        }
        SimulatorOptions parsed;
        try {
            parsed = spec.isBlank() ? SimulatorOptions.defaults() : SimulatorOptions.parse(spec);
        } catch (IllegalArgumentException e) {
            System.err.println("mmi simulate: " + e.getMessage());
            return 2;
        }
        if (!PtySimulator.socatAvailable()) {
            System.err.println("mmi simulate: socat is not installed (apt-get install socat)");
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        try (PtySimulator simulator = PtySimulator.start(link, parsed)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "mmi-simulate-stop"));
            System.out.println("Simulated MultispeQ " + parsed.deviceId() + " (fw " + parsed.firmware() + ") at "
                    + simulator.hostLink() + "; Ctrl-C to stop.");
            stopped.await();
        }
        return 0;
    }
}
