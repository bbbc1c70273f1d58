package org.openjii.mmi.delivery;

import java.text.MessageFormat;
import java.util.List;
import java.util.ResourceBundle;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.eclipse.paho.mqttv5.client.logging.Logger;
import org.eclipse.paho.mqttv5.client.logging.LoggerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Paho's log lines reach Log4j2 through {@link PahoLogger}, with the texts of Paho's own message catalog. */
class PahoLoggerTest {

    private static final String LOGGER_ID = "org.eclipse.paho.mqttv5.client.internal.ClientState";

    private final List<LogEvent> events = new CopyOnWriteArrayList<>();
    private LoggerContext context;
    private AbstractAppender appender;

    @BeforeEach
    void captureLog4j2() {
        context = (LoggerContext) LogManager.getContext(false);
        appender = new AbstractAppender("paho-capture", null, null, true, Property.EMPTY_ARRAY) {

            @Override
            public void append(LogEvent event) {
                events.add(event.toImmutable());
            }
        };
        appender.start();
        Configuration configuration = context.getConfiguration();
        LoggerConfig paho = new LoggerConfig(LOGGER_ID, Level.WARN, false);
        paho.addAppender(appender, null, null);
        configuration.addLogger(LOGGER_ID, paho);
        context.updateLoggers();
        PahoLogger.install();
    }

    @AfterEach
    void restore() {
        context.getConfiguration().removeLogger(LOGGER_ID);
        context.updateLoggers();
        appender.stop();
    }

    @Test
    void shouldBeWhatPahoCreatesOnceInstalled() {
        assertThat(LoggerFactory.getLogger(LoggerFactory.MQTT_CLIENT_MSG_CAT, LOGGER_ID)).isInstanceOf(
                PahoLogger.class);
    }

    @Test
    void shouldLogWarningsThroughLog4j2WithTheCatalogText() {
        Logger paho = LoggerFactory.getLogger(LoggerFactory.MQTT_CLIENT_MSG_CAT, LOGGER_ID);
        paho.setResourceName("mmi");
        Object[] inserts = {"mmi", "tcp://127.0.0.1:1883", "memory"};

        paho.warning(LOGGER_ID, "send", "101", inserts);
        paho.fine(LOGGER_ID, "send", "101", inserts);

        String catalogText = MessageFormat.format(ResourceBundle.getBundle(LoggerFactory.MQTT_CLIENT_MSG_CAT)
                .getString("101"), inserts);
        // FINE is debug, under the logger's WARN: only the warning arrives.
        assertThat(events).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.WARN);
            assertThat(event.getLoggerName()).isEqualTo(LOGGER_ID);
            assertThat(event.getMessage().getFormattedMessage()).isEqualTo("mmi: " + catalogText);
        });
        assertThat(paho.isLoggable(Logger.SEVERE)).isTrue();
        assertThat(paho.isLoggable(Logger.FINE)).isFalse();
    }

    @Test
    void shouldLogATextThatIsNoCatalogKeyAsItIsWithItsException() {
        Logger paho = LoggerFactory.getLogger(LoggerFactory.MQTT_CLIENT_MSG_CAT, LOGGER_ID);
        IllegalStateException failure = new IllegalStateException("socket closed");

        paho.severe(LOGGER_ID, "run", "not a key {0}", new Object[]{"x"}, failure);

        assertThat(events).singleElement().satisfies(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.ERROR);
            assertThat(event.getMessage().getFormattedMessage()).isEqualTo("not a key x");
            assertThat(event.getThrown()).isSameAs(failure);
        });
    }
}
