package org.openjii.mmi.cli;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.main.Main;
import org.apache.camel.support.DefaultExchange;
import org.openjii.mmi.MmiApplication;
import org.openjii.mmi.component.iot.IotComponent;
import org.openjii.mmi.component.iot.IotConfiguration;
import org.openjii.mmi.component.iot.IotConstants;
import org.openjii.mmi.component.iot.IotIdentity;
import org.openjii.mmi.delivery.Delivery;

/**
 * The bridge of {@code mmi run} (its configuration, YAML routes, outbox and MQTT connection) without its device routes
 * and remote commands, for commands that feed it themselves: {@code mmi measure --publish}, {@code mmi backfill}.
 */
final class Pipeline implements AutoCloseable {

    private final Main main;
    private final ProducerTemplate template;

    private Pipeline(Main main) {
        this.main = main;
        this.template = main.getCamelContext().createProducerTemplate();
    }

    /**
     * Starts it with the command's --config and --set.
     *
     * @throws Exception with a message that names the key or file, when the configuration cannot work
     */
    static Pipeline start(ConfigurationOptions configuration) throws Exception {
        Map<String, String> settings = new LinkedHashMap<>(configuration.overrides);
        // No device routes (the command owns the port or reads files) and no command subscription.
        settings.put("mmi.device.port", "");
        settings.put("mmi.commands.enabled", "false");
        settings.putIfAbsent("mmi.http.port", "off");
        Main main = MmiApplication.create(configuration.configFile(), settings);
        main.start();
        Pipeline pipeline = new Pipeline(main);
        if (pipeline.delivery() != null) {
            // A one-shot command that cannot store fails and can be run again; it must not exit holding messages in
            // memory (a backfill would also remember them as stored).
            pipeline.delivery().spill().holdInMemory(false);
        }
        return pipeline;
    }

    CamelContext context() {
        return main.getCamelContext();
    }

    /** The default identity's delivery, or null with {@code mmi.mqtt.broker-url=log}. */
    Delivery delivery() {
        IotIdentity identity = context().getComponent("iot", IotComponent.class)
                .findIdentity(IotConfiguration.DEFAULT_IDENTITY);
        return identity == null ? null : identity.delivery();
    }

    /** The broker for messages: the URL, or "the embedded broker". */
    String broker() {
        String url = context().getPropertiesComponent().resolveProperty("mmi.mqtt.broker-url").orElse("").trim();
        return "embedded".equals(url) ? "the embedded broker" : url;
    }

    /**
     * A device's reply (from a {@code multispeq:} producer, possibly of another context) through {@code direct:ingest}:
     * validated, split, enriched and stored in the outbox, as routes/commands.camel.yaml hands a requested run over.
     *
     * @return the ids of the data messages stored (a run refused as a dead letter: none)
     * @throws Exception when the run could not be stored
     */
    List<String> ingest(Exchange reply) throws Exception {
        return List.copyOf(ingestWithTopics(reply).keySet());
    }

    /**
     * As {@link #ingest}, with each data message's topic.
     *
     * @return message id → topic, in the order stored
     */
    Map<String, String> ingestWithTopics(Exchange reply) throws Exception {
        // Filled by the split's parallel branches, read in the order they stored.
        Map<String, String> stored = Collections.synchronizedMap(new LinkedHashMap<>());
        Exchange run = new DefaultExchange(context());
        run.getMessage().setHeaders(new HashMap<>(reply.getMessage().getHeaders()));
        run.getMessage().setBody(reply.getMessage().getBody());
        run.setProperty(IotConstants.COLLECTED_TOPICS, stored);
        template.send("direct:ingest", run);
        if (run.getException() != null) {
            throw run.getException();
        }
        synchronized (stored) {
            return new LinkedHashMap<>(stored);
        }
    }

    /**
     * Waits until the outbox is empty (every message acknowledged by the broker) or {@code wait} has passed.
     *
     * @return the messages still waiting
     */
    long awaitDelivered(Duration wait) throws InterruptedException {
        Delivery delivery = delivery();
        if (delivery == null) {
            return 0;
        }
        long deadline = System.nanoTime() + wait.toNanos();
        // The outbox empties as PUBACKs arrive; its depth is what mmi run's readiness check reads too.
        while (delivery.outbox().depth() > 0 && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(100);
        }
        return delivery.outbox().depth();
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }
}
