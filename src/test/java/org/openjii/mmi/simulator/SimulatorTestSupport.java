package org.openjii.mmi.simulator;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;

/** Plugs simulators into collecting links and closes them after each test. */
abstract class SimulatorTestSupport {

    private final List<MultispeqSimulator> simulators = new ArrayList<>();
    protected MultispeqSimulator simulator;

    @AfterEach
    void closeSimulators() {
        simulators.forEach(MultispeqSimulator::close);
    }

    /** A new simulator with {@code options}, plugged into a link that records what it sends. */
    protected CollectingLink plugIn(SimulatorOptions options) {
        CollectingLink link = new CollectingLink();
        simulator = new MultispeqSimulator(options);
        simulators.add(simulator);
        simulator.connect(link);
        return link;
    }
}
