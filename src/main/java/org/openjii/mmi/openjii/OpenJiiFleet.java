package org.openjii.mmi.openjii;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

import org.apache.camel.CamelContext;
import org.apache.camel.support.service.ServiceSupport;
import org.openjii.mmi.device.DeviceInfo;
import org.openjii.mmi.device.DeviceSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the Things of openJII's downloads (docs/openjii.md): reads the folder every {@code pollInterval}, applies a
 * newer onboarding file or key material while running, and connects a Thing only while its MultispeQ is attached
 * here, matched by the {@code device_id} it reports ({@link ThingNames}). A Thing connects when its instrument
 * becomes ready and is released once its instrument has been gone for the release delay, or earlier when its outbox
 * is empty: so an instrument moved to another gateway never has two connections fighting over one client id.
 * <p>
 * Told about instruments by the {@code multispeq:} component's sessions ({@link DeviceSession.Listener}); asked by
 * {@link OpenJiiPlan} what to run. Every change is logged once.
 * <p>
 * Over 400 lines as one class on purpose: the Things and the instruments change together under one lock, and what
 * the downloads say and where the instruments are decide each connection here; the reports and the connections
 * themselves are {@link FleetReports} and {@link ThingConnections}.
 */
public final class OpenJiiFleet extends ServiceSupport implements DeviceSession.Listener {

    /** The registry name of the fleet. */
    public static final String BEAN_NAME = "openJiiFleet";
    static final String DEVICE_TYPE = ThingNames.MULTISPEQ;

    private static final Logger LOG = LoggerFactory.getLogger(OpenJiiFleet.class);
    private static final Duration RELEASE_CHECK = Duration.ofSeconds(1);

    /** An attached MultispeQ: the port it answers on, what it reported, and the Thing that would be its own. */
    record Instrument(String port, DeviceInfo info, String thingName) {
    }

    private final CamelContext context;
    private final Path dir;
    private final Duration pollInterval;
    private final Duration releaseDelay;
    private final ThingConnections connections;
    private final KeyFiles keyFiles;
    private final FleetReports reports;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, ThingState> things = new TreeMap<>();
    private final Map<String, Instrument> instruments = new LinkedHashMap<>();
    private final Set<String> reportedProblems = new HashSet<>();
    private final ToIntFunction<String> runsInFlightAtPort;
    private volatile ScheduledExecutorService scheduler;

    /**
     * @param runsInFlightAtPort how many exchanges of the device route at a port are still under way: a Thing is
     *     released only once its instrument's last runs have reached its outbox
     */
    OpenJiiFleet(CamelContext context, Path dir, Duration pollInterval, Duration releaseDelay, KeyFiles keyFiles,
            ThingConnections connections, FleetReports reports, ToIntFunction<String> runsInFlightAtPort) {
        this.context = context;
        this.runsInFlightAtPort = runsInFlightAtPort;
        this.dir = dir;
        this.pollInterval = pollInterval;
        this.releaseDelay = releaseDelay;
        this.keyFiles = keyFiles;
        this.connections = connections;
        this.reports = reports;
    }

    /** Reads the folder once before anything starts: a folder that cannot be read stops startup, naming it. */
    @Override
    protected void doInit() throws IOException {
        OpenJiiDownloads.Snapshot snapshot = OpenJiiDownloads.read(dir);
        if (snapshot.thingNames().isEmpty()) {
            LOG.warn("openJII: {} holds no downloads yet ({}-credentials.zip and {}-config.json per Thing, or a"
                    + " group's zips); looking again every {} s", dir, "{thingName}", "{thingName}",
                    pollInterval.toSeconds());
        }
        apply(snapshot);
    }

    @Override
    protected void doStart() {
        scheduler = context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "OpenJiiFleet");
        scheduler.scheduleWithFixedDelay(this::poll, pollInterval.toMillis(), pollInterval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() throws IOException {
        if (scheduler != null) {
            context.getExecutorServiceManager().shutdownNow(scheduler);
            scheduler = null;
        }
        synchronized (this) {
            for (ThingState thing : things.values()) {
                if (thing.connected) {
                    releaseQuietly(thing, "the bridge stops");
                }
            }
        }
        keyFiles.close();
    }

    void poll() {
        try {
            apply(OpenJiiDownloads.read(dir));
        } catch (IOException | RuntimeException e) {
            reportOnce("folder", "openJII: cannot read " + dir + ": " + e.getMessage());
        }
    }

    /**
     * Makes the Things what the folder says: newer files replace older ones wholesale, an invalid one changes nothing.
     */
    synchronized void apply(OpenJiiDownloads.Snapshot snapshot) {
        for (OpenJiiDownloads.Problem problem : snapshot.problems()) {
            reportOnce(problem.origin() + problem.message(), "openJII download " + problem.origin() + ": " + problem
                    .message() + (problem.sha256() == null ? "" : "; nothing changes for its Thing"));
        }
        for (OpenJiiDownloads.ConfigFile file : snapshot.configs().values()) {
            OnboardingConfig config = file.config();
            if (!DEVICE_TYPE.equals(config.deviceType())) {
                reportInfoOnce("type " + config.thingName(), "openJII: " + config.thingName() + " is a "
                        + config.deviceType() + ", not a MultispeQ: mmi does not serve it");
                continue;
            }
            ThingState thing = things.computeIfAbsent(config.thingName(), ThingState::new);
            if (thing.config == null || !thing.config.sha256().equals(file.sha256())) {
                applyConfig(thing, file);
            }
        }
        for (OpenJiiDownloads.KeyMaterial keys : snapshot.keys().values()) {
            ThingState thing = things.computeIfAbsent(keys.thingName(), ThingState::new);
            if (thing.keys == null || !thing.keys.sha256().equals(keys.sha256())) {
                thing.keys = keys;
                LOG.info("openJII: {} key material from {}", thing.name, keys.origin());
                if (thing.connected) {
                    rotate(thing);
                }
            }
        }
        Set<String> keepTheirs = snapshot.invalidConfigs();
        for (ThingState thing : List.copyOf(things.values())) {
            if (thing.config != null && !snapshot.configs().containsKey(thing.name) && !keepTheirs.contains(
                    thing.name)) {
                LOG.warn("openJII: the onboarding file of {} is gone from {}: it is no longer served", thing.name,
                        dir);
                thing.config = null;
                if (thing.connected) {
                    releaseQuietly(thing, "its onboarding file is gone");
                }
            }
        }
        // Downloads that arrived for instruments already attached.
        for (Instrument instrument : List.copyOf(instruments.values())) {
            attach(instrument);
        }
        reports.update(things.values(), instruments.values());
    }

    private void applyConfig(ThingState thing, OpenJiiDownloads.ConfigFile file) {
        boolean endpointChanged = thing.config != null && !thing.config.config()
                .endpoint()
                .equals(file.config()
                        .endpoint());
        thing.config = file;
        StringBuilder summary = new StringBuilder();
        for (OnboardingConfig.Experiment experiment : file.config().experiments()) {
            summary.append(summary.length() == 0 ? "" : "; ")
                    .append(experiment.experimentId())
                    .append(" (")
                    .append(experiment.procedures().size())
                    .append(" procedures) to ")
                    .append(experiment.topicPrefix())
                    .append("/…");
        }
        LOG.info("openJII: {} serves {} from {}", thing.name, summary.length() == 0 ? "no experiment" : summary, file
                .origin());
        if (thing.connected && endpointChanged) {
            releaseQuietly(thing, "its endpoint changed");
        }
    }

    private void rotate(ThingState thing) {
        try {
            connections.rotate(thing);
        } catch (Exception e) {
            LOG.error("openJII: the new key material of {} from {} does not work, the connection goes on with the old"
                    + " one: {}", thing.name, thing.keys.origin(), ThingConnections.describe(e));
        }
    }

    /** On the session's thread: handed to the fleet's own thread, as connecting takes a while. */
    @Override
    public void onStateChanged(DeviceSession session, DeviceSession.State state, String detail) {
        String port = session.name();
        ScheduledExecutorService thread = scheduler;
        if (state == DeviceSession.State.READY) {
            DeviceInfo info = session.deviceInfo();
            run(thread, () -> instrumentReady(port, info));
        } else if (state == DeviceSession.State.DISCONNECTED || state == DeviceSession.State.CLOSED) {
            run(thread, () -> instrumentGone(port));
        }
    }

    private static void run(ScheduledExecutorService thread, Runnable task) {
        if (thread == null || thread.isShutdown()) {
            task.run();
        } else {
            thread.execute(task);
        }
    }

    synchronized void instrumentReady(String port, DeviceInfo info) {
        if (info == null || info.id() == null || info.id().isBlank()) {
            reportOnce("no-id " + port, "openJII: the MultispeQ at " + port + " did not report its device_id, so its"
                    + " Thing is unknown; it is not measured");
            return;
        }
        Instrument instrument = new Instrument(port, info, ThingNames.of(DEVICE_TYPE, info.id()));
        instruments.put(port, instrument);
        attach(instrument);
        reports.update(things.values(), instruments.values());
    }

    private void attach(Instrument instrument) {
        ThingState thing = things.get(instrument.thingName());
        if (thing == null || !thing.complete()) {
            String missing = thing == null ? "credentials and config" : thing.missing();
            reportOnce("unmatched " + instrument.thingName() + missing, "openJII: MultispeQ " + instrument.info().id()
                    + " at " + instrument.port() + " has no " + missing + " in " + dir + ": register it in openJII"
                    + " with serial number " + instrument.info().id() + " (its Thing is " + instrument.thingName()
                    + "), then put " + instrument.thingName() + "-credentials.zip and " + instrument.thingName()
                    + "-config.json (or a group's zips) there; until then it is not measured");
            return;
        }
        if (thing.release != null) {
            thing.release.cancel(false);
            thing.release = null;
        }
        if (thing.port != null && !thing.port.equals(instrument.port())) {
            LOG.warn("openJII: {} answers at {} and at {}; serving it at {}", thing.name, thing.port, instrument
                    .port(), instrument.port());
        }
        thing.port = instrument.port();
        thing.instrument = instrument.info();
        if (thing.connected) {
            return;
        }
        try {
            connections.connect(thing, ThingConnections.scriptsTopic(thing.name, sensorVersion(instrument.info())));
            thing.connectProblem = null;
            thing.lastPass = null;
            LOG.info("openJII: {} connects for MultispeQ {} at {} to {}", thing.name, instrument.info().id(),
                    instrument.port(), connections.brokerUrl(thing.config.config()));
        } catch (Exception e) {
            thing.connectProblem = ThingConnections.describe(e);
            reportOnce("connect " + thing.name + thing.connectProblem, "openJII: " + thing.name + " cannot connect: "
                    + thing.connectProblem);
        }
    }

    /** openJII's sensorVersion: the device_version without a leading v. */
    static String sensorVersion(DeviceInfo info) {
        String version = info.version() == null ? "" : info.version().trim();
        return version.startsWith("v") || version.startsWith("V") ? version.substring(1) : version;
    }

    synchronized void instrumentGone(String port) {
        Instrument instrument = instruments.remove(port);
        if (instrument == null) {
            return;
        }
        ThingState thing = things.get(instrument.thingName());
        if (thing != null && port.equals(thing.port)) {
            thing.port = null;
            ScheduledExecutorService thread = scheduler;
            if (thing.connected && (thread == null || thread.isShutdown())) {
                releaseQuietly(thing, "the bridge stops");
            } else if (thing.connected && thing.release == null) {
                Instant deadline = clock.instant().plus(releaseDelay);
                thing.release = thread.scheduleWithFixedDelay(() -> releaseWhenDone(thing, port, deadline), 0,
                        RELEASE_CHECK.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        reports.update(things.values(), instruments.values());
    }

    /**
     * Releases the Thing once the runs of its instrument (at {@code port}) have ended, in its outbox or as its dead
     * letters (a run ends within its timeout; without the Thing's identity its result would have nowhere to go), and
     * its outbox is empty; or, runs ended, at the deadline, with the rest waiting in the outbox for its return.
     */
    private synchronized void releaseWhenDone(ThingState thing, String port, Instant deadline) {
        if (thing.port != null || !thing.connected) {
            return;
        }
        int running = runsInFlightAtPort.applyAsInt(port);
        long waiting = connections.waiting(thing);
        if (running > 0 || waiting > 0 && clock.instant().isBefore(deadline)) {
            return;
        }
        releaseQuietly(thing, "its MultispeQ left" + (waiting > 0 ? "; " + waiting + " message(s) wait in its outbox"
                + " until it is back here" : ""));
        reports.update(things.values(), instruments.values());
    }

    private void releaseQuietly(ThingState thing, String why) {
        if (thing.release != null) {
            thing.release.cancel(false);
            thing.release = null;
        }
        try {
            connections.release(thing);
            LOG.info("openJII: {} disconnected: {}", thing.name, why);
        } catch (Exception e) {
            LOG.warn("openJII: releasing {} failed: {}", thing.name, e.getMessage());
        }
    }

    /** The Thing served by the instrument at this port, with what the plan needs; null when there is none. */
    synchronized ThingState servedAt(String port) {
        Instrument instrument = instruments.get(port);
        if (instrument == null) {
            return null;
        }
        ThingState thing = things.get(instrument.thingName());
        return thing != null && thing.connected && thing.config != null && port.equals(thing.port) ? thing : null;
    }

    /** A run of the plan that is due: for which Thing, with which onboarding file. */
    record Pass(String thingName, OnboardingConfig config) {
    }

    /**
     * Starts a run of the plan for the instrument at this port when one is due: right after its Thing connected, then
     * every {@code interval} from the start of the previous run.
     *
     * @return the run, or null when none is due (or the port serves no Thing)
     */
    synchronized Pass startPassIfDue(String port, Duration interval) {
        ThingState thing = servedAt(port);
        if (thing == null) {
            return null;
        }
        Instant now = clock.instant();
        if (thing.lastPass != null && now.isBefore(thing.lastPass.plus(interval))) {
            return null;
        }
        thing.lastPass = now;
        return new Pass(thing.name, thing.config.config());
    }

    synchronized ThingState thing(String name) {
        return things.get(name);
    }

    /** For the health check and {@code mmi check}: every Thing with its state, and the instruments without one. */
    synchronized Map<String, String> describe() {
        return reports.describe(things.values(), instruments.values());
    }

    synchronized List<String> unmatchedInstruments() {
        List<String> unmatched = new ArrayList<>();
        for (Instrument instrument : instruments.values()) {
            ThingState thing = things.get(instrument.thingName());
            if (thing == null || !thing.complete()) {
                unmatched.add(instrument.info().id());
            }
        }
        return unmatched;
    }

    synchronized Map<String, String> connectProblems() {
        Map<String, String> problems = new HashMap<>();
        things.values()
                .stream()
                .filter(t -> t.connectProblem != null)
                .forEach(t -> problems.put(t.name,
                        t.connectProblem));
        return problems;
    }

    private void reportOnce(String key, String message) {
        if (reportedProblems.add(key)) {
            LOG.error(message);
        }
    }

    private void reportInfoOnce(String key, String message) {
        if (reportedProblems.add(key)) {
            LOG.info(message);
        }
    }
}
