package org.openjii.mmi.component.multispeq.integration;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openjii.mmi.component.multispeq.MultispeqComponent;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.device.CommandCancelledException;
import org.openjii.mmi.device.Crc32Checksum;
import org.openjii.mmi.device.DeviceSession;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.simulator.PtySimulator;
import org.openjii.mmi.simulator.SimulatorFault;
import org.openjii.mmi.simulator.SimulatorOptions;
import org.openjii.mmi.simulator.ToolAssumptions;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.openjii.mmi.test.TestJson.json;

/**
 * The multispeq: component against a simulated MultispeQ on a real pseudo-terminal pair (socat), through
 * jSerialComm: framing, checksums, faults, unplug/replug, port sharing and auto discovery, as the device link must
 * behave with hardware.
 */
class MultispeqPtyIT {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private CamelContext context;
    private final List<AutoCloseable> devices = new ArrayList<>();

    @BeforeEach
    void requireSocat() {
        ToolAssumptions.assumeTool("socat", PtySimulator.socatAvailable());
        context = new DefaultCamelContext();
    }

    @AfterEach
    void stop() throws Exception {
        if (context != null) {
            context.stop();
        }
        for (AutoCloseable d : devices) {
            d.close();
        }
    }

    private PtySimulator device(String name, SimulatorOptions options) throws Exception {
        PtySimulator pty = PtySimulator.start(dir.resolve(name), options);
        devices.add(pty);
        return pty;
    }

    private static SimulatorOptions.Builder fast() {
        return SimulatorOptions.builder().runTime(Duration.ZERO).chunkPause(Duration.ZERO);
    }

    private MockEndpoint mock(String name) {
        return context.getEndpoint("mock:" + name, MockEndpoint.class);
    }

    /** A consumer route: good replies to mock:measurements, failed exchanges to mock:dead (raw bytes kept). */
    private void measureRoute(String uri) throws Exception {
        context.addRoutes(new RouteBuilder() {

            @Override
            public void configure() {
                errorHandler(deadLetterChannel("mock:dead").useOriginalMessage());
                from(uri).routeId("measure").to("mock:measurements");
            }
        });
    }

    /** Faults meant for a measurement are injected once the device has been measured: not into the handshake. */
    private void afterFirstMeasurement(PtySimulator pty, SimulatorFault... faults) {
        MockEndpoint measurements = mock("measurements");
        await().atMost(WAIT).until(() -> measurements.getReceivedCounter() >= 1);
        pty.simulator().injectNext(faults[0], Arrays.copyOfRange(faults, 1, faults.length));
    }

    private static String portOf(PtySimulator pty) {
        return pty.hostLink().toString();
    }

    @Test
    void shouldHandshakeAndCacheDeviceInfo() throws Exception {
        PtySimulator pty = device("ttyMSQ", fast().identity("MultispeQ", "2", "52:00:13:24", 92, "2.31").build());
        context.start();
        ProducerTemplate template = context.createProducerTemplate();
        String uri = "multispeq:lab?port=" + portOf(pty);

        Object info = template.requestBody(uri, "device_info");

        assertThat(info).isInstanceOf(Map.class);
        assertThat(((Map<?, ?>) info).get("device_id")).isEqualTo("52:00:13:24");
        assertThat(((Map<?, ?>) info).get("device_version")).isEqualTo("2");
        DeviceSession session = context.getComponent("multispeq", MultispeqComponent.class)
                .getSessions()
                .find(portOf(pty));
        assertThat(session.state()).isEqualTo(DeviceSession.State.READY);
        assertThat(session.deviceInfo().id()).isEqualTo("52:00:13:24");
        assertThat(session.deviceInfo().firmware()).isEqualTo("2.31");
        assertThat(template.requestBody(uri, "hello", String.class)).isEqualTo("MultispeQ Ready");
        assertThat(template.requestBody(uri, "battery", String.class)).contains("92");
    }

    @Test
    void shouldReadFirmware1DeviceInfoShape() throws Exception {
        PtySimulator pty = device("ttyMSQ", fast().identity("MultispeQ", "1", "00:00:12:34", 87, "1.17").build());
        context.start();

        Exchange reply = context.createProducerTemplate()
                .request("multispeq:lab?port=" + portOf(pty),
                        e -> e.getIn().setBody("device_info"));

        assertThat(reply.getException()).isNull();
        assertThat(reply.getMessage().getHeader(MultispeqConstants.DEVICE_FIRMWARE)).isEqualTo("1.17");
        assertThat(reply.getMessage().getHeader(MultispeqConstants.CRC_STATUS)).isEqualTo("VALID");
        assertThat(((Map<?, ?>) reply.getMessage().getBody()).get("configuration")).isNotNull();
    }

    static List<String> outputs() {
        return SimulatorOptions.OUTPUT_NAMES;
    }

    @ParameterizedTest
    @MethodSource("outputs")
    void shouldDeliverEachPublicFixtureWithVerifiedChecksum(String output) throws Exception {
        JsonNode fixture = SimulatorFixtureAnswers.fixture(output);
        List<String> answers = SimulatorFixtureAnswers.recordedAnswers(fixture);
        PtySimulator pty = device("ttyMSQ", fast().output(output).build());
        measureRoute("multispeq:lab?port=" + portOf(pty) + "&protocol=classpath:protocols/par.json"
                + "&acknowledgeAlerts=true"
                + (answers.isEmpty() ? "" : "&answers=RAW(" + String.join(",", answers) + ")"));
        MockEndpoint measurements = mock("measurements");
        measurements.expectedMessageCount(1);
        context.start();

        measurements.assertIsSatisfied(WAIT.toMillis());

        Exchange got = measurements.getExchanges().get(0);
        JsonNode body = json(got.getIn().getBody(String.class));
        assertThat(got.getIn().getHeader(MultispeqConstants.CRC_STATUS)).isEqualTo("VALID");
        assertThat(body.get("sample")).isEqualTo(SimulatorFixtureAnswers.flatSample(fixture));
        assertThat(body.get("device_id").asText()).isEqualTo(pty.simulator().options().deviceId());
        assertThat(got.getIn().getHeader(MultispeqConstants.DEVICE_ID)).isEqualTo(pty.simulator()
                .options()
                .deviceId());
        assertThat(got.getIn().getHeader(MultispeqConstants.LAST_BYTE_AT, Instant.class))
                .isAfterOrEqualTo(got.getIn()
                        .getHeader(MultispeqConstants.COMMAND_SENT_AT,
                                Instant.class));
    }

    @Test
    void shouldReassembleAFrameAndChecksumSplitAcrossReads() throws Exception {
        PtySimulator pty = device("ttyMSQ", fast().chunkSize(7).chunkPause(Duration.ofMillis(2)).build());
        pty.simulator().injectNext(SimulatorFault.SLOW);
        measureRoute("multispeq:lab?port=" + portOf(pty) + "&protocol=classpath:protocols/par.json");
        mock("measurements").expectedMessageCount(1);
        context.start();

        mock("measurements").assertIsSatisfied(WAIT.toMillis());

        JsonNode body = json(mock("measurements").getExchanges().get(0).getIn().getBody(String.class));
        assertThat(body.get("sample")).isEqualTo(
                SimulatorFixtureAnswers.flatSample(SimulatorFixtureAnswers.fixture("par_fw2.3465")));
    }

    /**
     * Measures every 200 ms through a fault: the faults are injected after a first good measurement, and the test
     * waits for the dead letter they cause and for a good measurement after it (the consumer carries on).
     */
    private Exchange deadLetterThenRecovery(SimulatorOptions options, String uriOptions, SimulatorFault... faults)
            throws Exception {
        PtySimulator pty = device("ttyMSQ", options);
        measureRoute("multispeq:lab?port=" + portOf(pty) + "&protocol=classpath:protocols/par.json&interval=200"
                + uriOptions);
        mock("dead").expectedMessageCount(1);
        mock("measurements").expectedMinimumMessageCount(2);
        context.start();
        afterFirstMeasurement(pty, faults);

        MockEndpoint.assertIsSatisfied(context, 60, TimeUnit.SECONDS);

        return mock("dead").getExchanges().get(0);
    }

    private static String rawText(Exchange dead) {
        return new String(dead.getIn().getBody(byte[].class), StandardCharsets.UTF_8);
    }

    private static JsonNode parFixtureSample() throws Exception {
        return SimulatorFixtureAnswers.flatSample(SimulatorFixtureAnswers.fixture("par_fw2.3465"));
    }

    @Test
    void shouldDeadLetterAChecksumMismatchWithTheRawBytesAndCarryOn() throws Exception {
        Exchange dead = deadLetterThenRecovery(fast().build(), "", SimulatorFault.CRC_ERROR);

        assertThat(dead.getIn().getHeader(MultispeqConstants.ERROR_REASON)).isEqualTo("crc-mismatch");
        String raw = rawText(dead);
        String json = raw.substring(0, raw.length() - 8);
        assertThat(json).startsWith("{\"device_name\"").endsWith("}");
        assertThat(raw.substring(raw.length() - 8))
                .isNotEqualToIgnoringCase(Crc32Checksum.format(Crc32Checksum.compute(json)));
        assertThat(dead.getProperty(Exchange.EXCEPTION_CAUGHT, MultispeqException.class).reason().code())
                .isEqualTo("crc-mismatch");
    }

    @Test
    void shouldReportATruncatedFrameWhenTheDeviceVanishesMidReplyThenRecover() throws Exception {
        Exchange dead = deadLetterThenRecovery(fast().replugAfter(Duration.ofMillis(500)).build(),
                "&reconnectDelay=100&reconnectMaxDelay=500", SimulatorFault.TRUNCATE, SimulatorFault.UNPLUG);

        assertThat(dead.getIn().getHeader(MultispeqConstants.ERROR_REASON)).isEqualTo("truncated");
        assertThat(rawText(dead)).startsWith("{\"device_name\":\"MultispeQ\"").doesNotContain("\n");
    }

    @Test
    void shouldFindTheReplyBehindGarbageAndKeepTheNoise() throws Exception {
        PtySimulator pty = device("ttyMSQ", fast().seed(7).build());
        pty.simulator().injectNext(SimulatorFault.GARBAGE);
        measureRoute("multispeq:lab?port=" + portOf(pty) + "&protocol=classpath:protocols/par.json");
        mock("measurements").expectedMessageCount(1);
        context.start();

        mock("measurements").assertIsSatisfied(WAIT.toMillis());

        Exchange got = mock("measurements").getExchanges().get(0);
        assertThat(got.getIn().getHeader(MultispeqConstants.CRC_STATUS)).isEqualTo("VALID");
        assertThat(json(got.getIn().getBody(String.class)).get("sample")).isEqualTo(
                SimulatorFixtureAnswers.flatSample(SimulatorFixtureAnswers.fixture("par_fw2.3465")));
        assertThat(mock("dead").getReceivedCounter()).isZero();
    }

    @Test
    void shouldDiscardAnEndlessLineWithFlatMemory() throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        System.gc();
        long before = memory.getHeapMemoryUsage().getUsed();

        Exchange dead = deadLetterThenRecovery(fast().floodBytes(48L * 1024 * 1024).build(),
                "&maxFrameSize=262144&timeout=60s", SimulatorFault.FLOOD);

        assertThat(dead.getIn().getHeader(MultispeqConstants.ERROR_REASON)).isEqualTo("frame-too-large");
        System.gc();
        long growth = memory.getHeapMemoryUsage().getUsed() - before;
        // 48 MB went through a 256 KB frame limit; what stays is Camel's own footprint, far below the flood.
        assertThat(growth).isLessThan(16L * 1024 * 1024);
    }

    @Test
    void shouldTimeOutOnASilentDeviceAndCarryOn() throws Exception {
        Exchange dead = deadLetterThenRecovery(fast().build(), "&timeout=1500", SimulatorFault.SILENCE);

        assertThat(dead.getIn().getHeader(MultispeqConstants.ERROR_REASON)).isEqualTo("timeout");
    }

    @Test
    void shouldNotLetAStaleFragmentFuseWithTheNextReply() throws Exception {
        Exchange dead = deadLetterThenRecovery(fast().build(), "&timeout=1500", SimulatorFault.TRUNCATE);

        assertThat(dead.getIn().getHeader(MultispeqConstants.ERROR_REASON)).isEqualTo("timeout");
        assertThat(rawText(dead)).startsWith("{\"device_name\"").doesNotContain("\n");
        // The measurement after the cut-off one: its reply did not fuse with the stale fragment.
        Exchange next = mock("measurements").getExchanges().get(1);
        assertThat(next.getIn().getHeader(MultispeqConstants.CRC_STATUS)).isEqualTo("VALID");
        assertThat(json(next.getIn().getBody(String.class)).get("sample")).isEqualTo(parFixtureSample());
    }

    @Test
    void shouldCancelARunningProtocol() throws Exception {
        PtySimulator pty = device("ttyMSQ", fast().runTime(Duration.ofSeconds(60)).build());
        context.start();
        ProducerTemplate template = context.createProducerTemplate();
        String uri = "multispeq:lab?port=" + portOf(pty);
        DeviceSession session = startedSession(template, uri, pty);

        CompletableFuture<Exchange> run = template.asyncSend(uri, e -> e.getIn().setBody("[{\"averages\":1}]"));
        await().atMost(WAIT).until(() -> pty.simulator().measurementsStarted() > 0);
        Object cancelled = template.requestBody(uri, "-1+");

        assertThat(cancelled).isEqualTo(Boolean.TRUE);
        Exchange result = run.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(result.getException()).isInstanceOf(CommandCancelledException.class);
        assertThat(template.requestBody(uri, "hello", String.class)).isEqualTo("MultispeQ Ready");
        assertThat(session.isReady()).isTrue();
    }

    private DeviceSession startedSession(ProducerTemplate template, String uri, PtySimulator pty) {
        assertThat(template.requestBody(uri, "hello", String.class)).isEqualTo("MultispeQ Ready");
        return context.getComponent("multispeq", MultispeqComponent.class).getSessions().find(portOf(pty));
    }

    @Test
    void shouldRecoverFromUnplugAndReplugWithoutRestart() throws Exception {
        PtySimulator pty = device("ttyMSQ", fast().build());
        measureRoute("multispeq:lab?port=" + portOf(pty) + "&protocol=classpath:protocols/par.json&interval=200"
                + "&reconnectDelay=100&reconnectMaxDelay=400");
        MockEndpoint measurements = mock("measurements");
        context.start();
        await().atMost(WAIT).until(() -> measurements.getReceivedCounter() >= 1);
        var consumer = context.getRoute("measure").getConsumer();

        pty.unplug();

        await().atMost(WAIT).until(() -> instrument("lab") == HealthCheck.State.DOWN);
        // The instrument's own check, not readiness: a missing meter does not take the bridge out of service.
        assertThat(HealthCheckHelper.invokeReadiness(context, "full"))
                .noneMatch(r -> r.getCheck().getId().equals("device:lab"));
        int before = measurements.getReceivedCounter();
        pty.replug();
        await().atMost(WAIT).until(() -> measurements.getReceivedCounter() > before);
        assertThat(instrument("lab")).isEqualTo(HealthCheck.State.UP);
        assertThat(context.getRoute("measure").getConsumer()).isSameAs(consumer);
    }

    /** The state of the instrument's check ({@code device:<endpoint name>}) in the full health report. */
    private HealthCheck.State instrument(String name) {
        return HealthCheckHelper.invoke(context, "full")
                .stream()
                .filter(r -> r.getCheck().getId().equals("device:" + name))
                .findFirst()
                .map(HealthCheck.Result::getState)
                .orElse(HealthCheck.State.UNKNOWN);
    }

    @Test
    void shouldShareOnePortBetweenAConsumerAndAProducer() throws Exception {
        PtySimulator pty = device("ttyMSQ", fast().build());
        measureRoute("multispeq:lab?port=" + portOf(pty) + "&protocol=classpath:protocols/par.json&interval=100");
        mock("measurements").expectedMinimumMessageCount(3);
        context.start();
        ProducerTemplate template = context.createProducerTemplate();

        List<String> batteries = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            batteries.add(template.requestBody("multispeq:panel?port=" + portOf(pty), "battery", String.class));
        }

        mock("measurements").assertIsSatisfied(WAIT.toMillis());
        assertThat(batteries).allSatisfy(b -> assertThat(b).contains(
                Integer.toString(pty.simulator().options().battery())));
        assertThat(mock("dead").getReceivedCounter()).isZero();
    }

    @Test
    void shouldFindTheMultispeqAmongSeveralPortsWithAuto() throws Exception {
        PtyPeer silent = PtyPeer.start(dir.resolve("ttyX0"), null);
        devices.add(silent);
        PtyPeer chatty = PtyPeer.start(dir.resolve("ttyX1"), "ERR? unknown\n");
        devices.add(chatty);
        PtySimulator pty = device("ttyX2", fast().build());
        measureRoute("multispeq:lab?port=auto&scanPatterns=" + dir + "/ttyX?&protocol=classpath:protocols/par.json");
        mock("measurements").expectedMessageCount(1);
        context.start();

        mock("measurements").assertIsSatisfied(Duration.ofSeconds(40).toMillis());

        assertThat(mock("measurements").getExchanges().get(0).getIn().getHeader(MultispeqConstants.PORT))
                .isEqualTo(pty.hostLink().toRealPath().toString());
    }

    @Test
    void shouldStreamAContinuousCommandFrameByFrameAndStopItWithTheRoute() throws Exception {
        PtySimulator pty = device("ttyMSQ", fast().streamPeriod(Duration.ofMillis(50)).build());
        measureRoute("multispeq:lab?port=" + portOf(pty) + "&command=hall");
        MockEndpoint measurements = mock("measurements");
        measurements.expectedMinimumMessageCount(3);
        context.start();

        measurements.assertIsSatisfied(WAIT.toMillis());
        context.getRouteController().stopRoute("measure");

        assertThat(measurements.getExchanges().subList(0, 3)).extracting(
                e -> e.getIn().getHeader(MultispeqConstants.FRAME_INDEX)).containsExactly(0L, 1L, 2L);
        assertThat(measurements.getExchanges()).allSatisfy(
                e -> assertThat(e.getIn().getHeader(MultispeqConstants.CRC_STATUS)).isEqualTo("VALID"));
        await().atMost(WAIT).until(() -> !pty.simulator().isStreaming());
    }
}
