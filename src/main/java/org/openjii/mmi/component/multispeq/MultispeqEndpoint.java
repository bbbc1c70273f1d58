package org.openjii.mmi.component.multispeq;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.ResolveEndpointFailedException;
import org.apache.camel.spi.EndpointServiceLocation;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriPath;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.camel.support.ResourceHelper;
import org.openjii.mmi.device.CommandPolicy;
import org.openjii.mmi.device.DeviceRequest;
import org.openjii.mmi.device.DeviceSession;
import org.openjii.mmi.device.MeasurementProtocol;
import org.openjii.mmi.device.PromptAnswers;

/**
 * Measure with MultispeQ photosynthesis meters and send them console commands over USB serial.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = "multispeq", title = "MultispeQ", syntax = "multispeq:name", category = {
        Category.IOT}, headersClass = MultispeqConstants.class)
public class MultispeqEndpoint extends DefaultEndpoint implements EndpointServiceLocation {

    @UriPath(description = "A name for this device, used in logs, headers and health checks")
    @Metadata(required = true)
    private final String name;

    @UriParam
    private final MultispeqConfiguration configuration;

    private volatile MeasurementProtocol loadedProtocol;

    public MultispeqEndpoint(String uri, String name, MultispeqComponent component,
            MultispeqConfiguration configuration) {
        super(uri, component);
        this.name = name;
        this.configuration = configuration;
    }

    @Override
    public MultispeqComponent getComponent() {
        return (MultispeqComponent) super.getComponent();
    }

    public String getName() {
        return name;
    }

    public MultispeqConfiguration getConfiguration() {
        return configuration;
    }

    @Override
    public String getServiceUrl() {
        return configuration.getPort();
    }

    @Override
    public String getServiceProtocol() {
        return "serial";
    }

    @Override
    public Producer createProducer() throws Exception {
        return new MultispeqProducer(this);
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        MultispeqConsumer consumer = new MultispeqConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }

    @Override
    protected void doInit() throws Exception {
        super.doInit();
        if (configuration.getMaxFrameSize() < 256) {
            throw new IllegalArgumentException(
                    "multispeq:" + name + ": maxFrameSize must be at least 256 bytes, was "
                            + configuration.getMaxFrameSize());
        }
        if (configuration.getInterval() < 0 || configuration.getTimeout() < 0) {
            throw new IllegalArgumentException("multispeq:" + name + ": interval and timeout must not be negative");
        }
    }

    /** The shared session for this endpoint's port (acquire once per consumer or producer, release when done). */
    DeviceSession acquireSession() {
        return getComponent().acquireSession(this);
    }

    void releaseSession(DeviceSession session) {
        getComponent().releaseSession(this, session);
    }

    /** The configured protocol, loaded and parsed once; {@code null} when none is configured. */
    MeasurementProtocol protocol() {
        MeasurementProtocol p = loadedProtocol;
        if (p == null && configuration.getProtocol() != null && !configuration.getProtocol().isBlank()) {
            p = loadProtocol(configuration.getProtocol());
            loadedProtocol = p;
        }
        return p;
    }

    private MeasurementProtocol loadProtocol(String value) {
        String text = value.strip();
        if (!text.startsWith("[") && !text.startsWith("{")) {
            try (InputStream in = ResourceHelper.resolveMandatoryResourceAsInputStream(getCamelContext(), text)) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (Exception e) {
                throw new ResolveEndpointFailedException(getEndpointUri(),
                        new IllegalArgumentException("multispeq:" + name + ": cannot read protocol '" + value + "': "
                                + e.getMessage(), e));
            }
        }
        try {
            return MeasurementProtocol.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ResolveEndpointFailedException(getEndpointUri(), new IllegalArgumentException(
                    "multispeq:" + name + ": option protocol (" + value + "): " + e.getMessage(), e));
        }
    }

    CommandPolicy commandPolicy() {
        return CommandPolicy.ofCommaSeparated(configuration.getAllowCommands());
    }

    PromptAnswers promptAnswers() {
        String answers = configuration.getAnswers();
        List<String> list = answers == null || answers.isEmpty()
                ? List.of()
                : Arrays.stream(answers.split(",", -1)).map(String::strip).toList();
        return new PromptAnswers(list, configuration.isAcknowledgeAlerts());
    }

    /** The endpoint's timeout, or {@code null} for "pick per request". */
    Duration timeout() {
        return configuration.getTimeout() > 0 ? Duration.ofMillis(configuration.getTimeout()) : null;
    }

    /** What the consumer runs each time: the protocol, or the console command. */
    DeviceRequest consumerRequest() {
        MeasurementProtocol p = protocol();
        if (p != null) {
            return DeviceRequest.measurement(p, promptAnswers(), timeout());
        }
        return DeviceRequest.command(configuration.getCommand(), timeout());
    }

    static List<String> splitList(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
