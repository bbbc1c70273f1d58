package org.openjii.mmi.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.ExecutorServiceManager;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.service.ServiceSupport;
import org.openjii.mmi.ingest.DeadLetterEnvelope;
import org.openjii.mmi.support.MmiVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;

/**
 * {@code mmi.mqtt.broker-url=embedded}: an MQTT 5 broker (HiveMQ CE embedded) in the bridge's own process, listening
 * on 127.0.0.1 only, so that {@code ./mmi run} on a fresh machine delivers through the outbox and a real MQTT
 * connection without anything installed. The delivery connects to it like to any {@code tcp://127.0.0.1:<port>}
 * broker. Every message it receives on the data and dead-letter topics is shown on the console
 * ({@link PublishedMessageLog}).
 * <p>
 * Settings: {@code mmi.embedded.port} (1883; when taken, a free port, logged), {@code mmi.embedded.dir} (its config,
 * data and extensions folders; empty: a temporary folder removed at stop). The broker keeps its state in memory, sends
 * no usage statistics, and has no extensions besides the console log.
 * <p>
 * A Camel service added before the delivery, so that it stops after it (about 4 s: HiveMQ waits twice for 2 s of
 * network quiet). Starting takes seconds, so {@link #startInBackground()} begins it while Camel loads the routes, on
 * the second core that Camel's single-threaded start-up leaves mostly idle (bench/startup.sh shows the gain);
 * {@link #start()} then waits for it, and the delivery asks for {@link #url()} only after that.
 */
public final class EmbeddedBroker extends ServiceSupport {

    public static final String BROKER_URL = "embedded";
    /** A URL of the embedded broker before its port is known: loopback, plain MQTT (for the delivery's settings). */
    public static final String LOOPBACK_URL = "tcp://127.0.0.1";
    public static final String PORT_SETTING = "mmi.embedded.port";
    public static final String DIR_SETTING = "mmi.embedded.dir";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** A start tries up to three ports, each for up to {@link #START_TIMEOUT}. */
    private static final Duration LAUNCH_TIMEOUT = START_TIMEOUT.multipliedBy(3);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);

    private final int configuredPort;
    private final Path configuredDir;
    private final PublishedMessageLog messageLog;
    private final ExecutorServiceManager threads;
    private volatile int port;
    private Path dir;
    private EmbeddedHiveMQ hivemq;
    private CompletableFuture<Void> launch;

    EmbeddedBroker(int configuredPort, Path configuredDir, PublishedMessageLog messageLog,
            ExecutorServiceManager threads) {
        this.configuredPort = configuredPort;
        this.configuredDir = configuredDir;
        this.messageLog = messageLog;
        this.threads = threads;
    }

    /**
     * The broker configured by {@code mmi.embedded.*}, not yet started.
     *
     * @throws IllegalArgumentException naming the key, for a value that cannot work
     */
    public static EmbeddedBroker fromProperties(CamelContext context) {
        PropertiesComponent properties = context.getPropertiesComponent();
        String portText = properties.resolveProperty(PORT_SETTING).orElse("1883").trim();
        int configured;
        try {
            configured = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            configured = -1;
        }
        if (configured < 0 || configured > 65535) {
            throw new IllegalArgumentException(
                    PORT_SETTING + " must be a port number (0-65535; 0: any free port), was '"
                            + portText + "'");
        }
        Path dir = properties.resolveProperty(DIR_SETTING)
                .map(String::trim)
                .filter(text -> !text.isEmpty())
                .map(Path::of)
                .orElse(null);
        String clientId = properties.resolveProperty("mmi.mqtt.client-id").orElse(DeadLetterEnvelope.DEFAULT_CLIENT_ID);
        String dataTopic = properties.resolveProperty("mmi.mqtt.topic")
                .orElse("experiment/data_ingest/v1/{experimentId}/multispeq/{sensorVersion}/{sensorId}");
        String dlqPrefix = properties.resolveProperty("mmi.mqtt.dlq-topic").orElse(DeadLetterEnvelope.DEFAULT_PREFIX);
        PublishedMessageLog log = new PublishedMessageLog(PublishedMessageLog.filter(dataTopic, clientId),
                PublishedMessageLog.filter(dlqPrefix + "/{reason}", clientId));
        return new EmbeddedBroker(configured, dir, log, context.getExecutorServiceManager());
    }

    /** The configured port if nothing listens on it on loopback, else (or for 0) a free one. */
    static int choosePort(int configured) {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        if (configured != 0) {
            try (ServerSocket probe = new ServerSocket()) {
                probe.bind(new InetSocketAddress(loopback, configured));
                return configured;
            } catch (BindException e) {
                // Taken (a Mosquitto on 1883, another mmi): fall through to a free port.
            } catch (IOException e) {
                throw new UncheckedIOException(PORT_SETTING + " " + configured + ": " + e.getMessage(), e);
            }
        }
        try (ServerSocket probe = new ServerSocket(0, 1, loopback)) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on 127.0.0.1 for the embedded MQTT broker: " + e.getMessage(),
                    e);
        }
    }

    /**
     * The URL clients connect to, {@code tcp://127.0.0.1:<port>}, once started: on the configured port, or a free one
     * when that is taken (also when another process took it while this broker was starting).
     */
    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    /**
     * The URL once the broker is up, waiting for a start in the background.
     *
     * @throws IllegalStateException when it did not start, with the reason
     */
    public String awaitUrl() {
        try {
            awaitLaunch();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IllegalStateException failed ? failed
                    : new IllegalStateException("The embedded MQTT broker did not start: " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("The embedded MQTT broker did not start in " + LAUNCH_TIMEOUT.toSeconds()
                    + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while the embedded MQTT broker was starting", e);
        }
        return url();
    }

    /** Waits for a start in the background, if one was begun. */
    private void awaitLaunch() throws ExecutionException, TimeoutException, InterruptedException {
        CompletableFuture<Void> background;
        synchronized (this) {
            background = launch;
        }
        if (background != null) {
            background.get(LAUNCH_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    public int port() {
        return port;
    }

    /**
     * Starts the broker on a thread of its own and returns at once; {@link #start()} (Camel's, when the context starts)
     * waits for it and fails as a start in place would.
     */
    public synchronized void startInBackground() {
        if (launch == null) {
            launch = new CompletableFuture<>();
            threads.newThread("EmbeddedBrokerStart", () -> {
                try {
                    launch();
                    launch.complete(null);
                } catch (Throwable e) {
                    launch.completeExceptionally(e);
                }
            }).start();
        }
    }

    @Override
    protected void doStart() throws Exception {
        boolean inBackground;
        synchronized (this) {
            inBackground = launch != null;
        }
        if (inBackground) {
            awaitUrl();
        } else {
            launch();
        }
    }

    private void launch() throws Exception {
        long started = System.nanoTime();
        dir = configuredDir != null ? configuredDir : Files.createTempDirectory("mmi-embedded-broker");
        int candidate = choosePort(configuredPort);
        for (int attempt = 1;; attempt++) {
            try {
                startOn(candidate);
                port = candidate;
                break;
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                discardFailed();
                // Another process took the port between the check and HiveMQ's bind (two bridges started at once):
                // the next free port. Anything else is not for retrying.
                int next = choosePort(configuredPort);
                if (next == candidate || attempt == 3) {
                    throw new IllegalStateException("The embedded MQTT broker (mmi.mqtt.broker-url=" + BROKER_URL
                            + ") did not start on tcp://127.0.0.1:" + candidate + ": " + cause, cause);
                }
                candidate = next;
            }
        }
        if (configuredPort != 0 && port != configuredPort) {
            LOG.warn("{} {} is taken on 127.0.0.1; the embedded MQTT broker listens on {} instead: connect clients"
                    + " there", PORT_SETTING, configuredPort, url());
        }
        LOG.info("Embedded MQTT 5 broker on {} (HiveMQ CE, this machine only), up in {} ms; watch it with"
                + " mosquitto_sub -V mqttv5 -p {} -t '#' -v", url(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), port);
    }

    private void startOn(int candidate) throws IOException, ExecutionException, TimeoutException,
            InterruptedException {
        Path config = Files.createDirectories(dir.resolve("config"));
        Path data = Files.createDirectories(dir.resolve("data"));
        Path extensions = Files.createDirectories(dir.resolve("extensions"));
        Files.writeString(config.resolve("config.xml"), configXml(candidate), StandardCharsets.UTF_8);
        EmbeddedExtension extension = EmbeddedExtension.builder()
                .withId("mmi-console")
                .withName("mmi: what is published, on the console")
                .withVersion(MmiVersion.get())
                .withAuthor("openJII")
                .withPriority(0)
                .withStartPriority(1000)
                .withExtensionMain(new ConsoleExtension(messageLog))
                .build();
        // HiveMQ reads config.xml with JAXB, which finds its implementation through the context class loader of
        // HiveMQ's threads, inherited from this one. Under camel run that is not the loader of the --dep jars, and
        // HiveMQ would ignore config.xml ("Using default config": every interface, port 1883): use mmi's loader.
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(EmbeddedBroker.class.getClassLoader());
        try {
            // mmi logs with Log4j2: HiveMQ's own logging bootstrap casts the SLF4J factory to Logback's and fails with a
            // ClassCastException, so it is switched off (and Logback left out of its dependencies); HiveMQ then logs
            // through SLF4J like the rest of mmi.
            hivemq = EmbeddedHiveMQ.builder()
                    .withConfigurationFolder(config)
                    .withDataFolder(data)
                    .withExtensionsFolder(extensions)
                    .withEmbeddedExtension(extension)
                    .withoutLoggingBootstrap()
                    .build();
            hivemq.start().get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            thread.setContextClassLoader(previous);
        }
        checkListeners(candidate);
    }

    /**
     * HiveMQ falls back to its defaults (every interface, port 1883) when it cannot read config.xml, and only logs
     * it: a broker open to the network must not pass for one on loopback.
     */
    private void checkListeners(int candidate) {
        Set<String> listeners = Services.adminService()
                .getServerInformation()
                .getListener()
                .stream()
                .map(listener -> listener.getBindAddress() + ":" + listener.getPort())
                .collect(Collectors.toCollection(TreeSet::new));
        if (!listeners.equals(Set.of("127.0.0.1:" + candidate))) {
            stopQuietly();
            throw new IllegalStateException("The embedded MQTT broker (mmi.mqtt.broker-url=" + BROKER_URL
                    + ") did not take its configuration " + dir.resolve("config/config.xml") + ": it listened on "
                    + listeners + " instead of 127.0.0.1:" + candidate + "; stopped it");
        }
    }

    /**
     * HiveMQ's config.xml: one TCP listener on loopback, state in memory, no anonymous usage statistics (HiveMQ CE
     * 2025.5 has no update check to turn off: its config.xsd has no {@code <general>} element).
     */
    static String configXml(int port) {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <hivemq>
                    <listeners>
                        <tcp-listener>
                            <port>%d</port>
                            <bind-address>127.0.0.1</bind-address>
                        </tcp-listener>
                    </listeners>
                    <persistence>
                        <mode>in-memory</mode>
                    </persistence>
                    <anonymous-usage-statistics>
                        <enabled>false</enabled>
                    </anonymous-usage-statistics>
                </hivemq>
                """.formatted(port);
    }

    @Override
    protected void doStop() throws Exception {
        // Stopped before it was up (the context failed to start): let it come up, then stop it.
        try {
            awaitLaunch();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("The embedded MQTT broker did not start: {}", e.toString());
        }
        synchronized (this) {
            launch = null;
        }
        stopQuietly();
        if (configuredDir == null && dir != null) {
            deleteTree(dir);
        }
    }

    private void stopQuietly() {
        if (hivemq == null) {
            return;
        }
        long started = System.nanoTime();
        try {
            hivemq.stop().get(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            hivemq.close();
            LOG.info("Embedded MQTT broker on {} stopped in {} ms", url(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Stopping the embedded MQTT broker on {}: {}", url(), e.toString());
        } finally {
            hivemq = null;
        }
    }

    /** A HiveMQ that did not start (it has stopped itself): its resources, without a warning. */
    private void discardFailed() {
        try {
            hivemq.close();
        } catch (ExecutionException | RuntimeException e) {
            LOG.debug("Closing the embedded MQTT broker that did not start: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            hivemq = null;
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.debug("Cannot remove {}: {}", root, e.getMessage());
        }
    }

    /** The embedded extension: the console log as every client's publish-inbound interceptor. */
    private record ConsoleExtension(PublishedMessageLog messageLog) implements ExtensionMain {

        @Override
        public void extensionStart(ExtensionStartInput input, ExtensionStartOutput output) {
            Services.initializerRegistry()
                    .setClientInitializer((initializer, client) -> client.addPublishInboundInterceptor(messageLog));
        }

        @Override
        public void extensionStop(ExtensionStopInput input, ExtensionStopOutput output) {
        }
    }
}
