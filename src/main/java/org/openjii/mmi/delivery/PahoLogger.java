package org.openjii.mmi.delivery;

import java.text.MessageFormat;
import java.util.Map;
import java.util.MissingResourceException;
import java.util.ResourceBundle;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Paho's own log lines through SLF4J (so Log4j2 and its layouts, JSON included) instead of {@code java.util.logging},
 * which would print them to standard error in a format of its own. Installed by {@link #install()}.
 * <p>
 * Written here because Paho has no SLF4J binding (its {@code Logger} interface is its own). It matters for speed as
 * well: Paho creates a logger for every publish (each token gets one), and its default one looks up a
 * {@code java.util.logging} logger each time; this one takes its SLF4J logger from a map. Levels: SEVERE → error,
 * WARNING → warn, INFO → info, CONFIG and FINE → debug, FINER and FINEST → trace. Messages are Paho's catalog entries
 * ({@code logcat.properties}) formatted with {@link MessageFormat}, as its JUL logger does, prefixed with the
 * client's name when Paho gives one.
 */
public final class PahoLogger implements org.eclipse.paho.mqttv5.client.logging.Logger {

    /** SLF4J loggers by Paho's logger id (its class names): a few dozen. */
    private static final Map<String, Logger> LOGGERS = new ConcurrentHashMap<>();

    private Logger log;
    private ResourceBundle catalog;
    private String resourceName;

    /** Makes Paho create this logger from now on (for every client of this JVM). */
    public static void install() {
        org.eclipse.paho.mqttv5.client.logging.LoggerFactory.setLogger(PahoLogger.class.getName());
    }

    /** For Paho, which instantiates it reflectively. */
    public PahoLogger() {
        // Set up by initialise().
    }

    @Override
    public void initialise(ResourceBundle messageCatalog, String loggerID, String resourceContext) {
        this.catalog = messageCatalog;
        this.resourceName = resourceContext;
        this.log = LOGGERS.computeIfAbsent(loggerID == null ? "org.eclipse.paho.mqttv5.client" : loggerID,
                LoggerFactory::getLogger);
    }

    @Override
    public void setResourceName(String logContext) {
        this.resourceName = logContext;
    }

    @Override
    public boolean isLoggable(int level) {
        return switch (level) {
            case SEVERE -> log.isErrorEnabled();
            case WARNING -> log.isWarnEnabled();
            case INFO -> log.isInfoEnabled();
            case CONFIG, FINE -> log.isDebugEnabled();
            default -> log.isTraceEnabled();
        };
    }

    @Override
    public void log(int level, String sourceClass, String sourceMethod, String msg, Object[] inserts,
            Throwable thrown) {
        if (!isLoggable(level)) {
            return;
        }
        String text = format(msg, inserts);
        switch (level) {
            case SEVERE -> log.error(text, thrown);
            case WARNING -> log.warn(text, thrown);
            case INFO -> log.info(text, thrown);
            case CONFIG, FINE -> log.debug(text, thrown);
            default -> log.trace(text, thrown);
        }
    }

    @Override
    public void trace(int level, String sourceClass, String sourceMethod, String msg, Object[] inserts,
            Throwable ex) {
        log(level, sourceClass, sourceMethod, msg, inserts, ex);
    }

    /** The catalog's text for {@code msg} (or {@code msg} itself) with the inserts, after the client's name. */
    @Override
    public String formatMessage(String msg, Object[] inserts) {
        return format(msg, inserts);
    }

    private String format(String msg, Object[] inserts) {
        String pattern = msg;
        if (catalog != null && msg != null) {
            try {
                pattern = catalog.getString(msg);
            } catch (MissingResourceException e) {
                // Not a catalog key: the message itself, as Paho's own logger does.
            }
        }
        String text;
        try {
            text = inserts == null || inserts.length == 0 ? pattern : MessageFormat.format(pattern, inserts);
        } catch (IllegalArgumentException e) {
            text = pattern;
        }
        return resourceName == null ? text : resourceName + ": " + text;
    }

    @Override
    public void dumpTrace() {
        // Paho's JUL logger pushes a MemoryHandler's buffer here; Log4j2 has no such buffer to push.
    }

    @Override
    public void severe(String sourceClass, String sourceMethod, String msg) {
        log(SEVERE, sourceClass, sourceMethod, msg, null, null);
    }

    @Override
    public void severe(String sourceClass, String sourceMethod, String msg, Object[] inserts) {
        log(SEVERE, sourceClass, sourceMethod, msg, inserts, null);
    }

    @Override
    public void severe(String sourceClass, String sourceMethod, String msg, Object[] inserts, Throwable thrown) {
        log(SEVERE, sourceClass, sourceMethod, msg, inserts, thrown);
    }

    @Override
    public void warning(String sourceClass, String sourceMethod, String msg) {
        log(WARNING, sourceClass, sourceMethod, msg, null, null);
    }

    @Override
    public void warning(String sourceClass, String sourceMethod, String msg, Object[] inserts) {
        log(WARNING, sourceClass, sourceMethod, msg, inserts, null);
    }

    @Override
    public void warning(String sourceClass, String sourceMethod, String msg, Object[] inserts, Throwable thrown) {
        log(WARNING, sourceClass, sourceMethod, msg, inserts, thrown);
    }

    @Override
    public void info(String sourceClass, String sourceMethod, String msg) {
        log(INFO, sourceClass, sourceMethod, msg, null, null);
    }

    @Override
    public void info(String sourceClass, String sourceMethod, String msg, Object[] inserts) {
        log(INFO, sourceClass, sourceMethod, msg, inserts, null);
    }

    @Override
    public void info(String sourceClass, String sourceMethod, String msg, Object[] inserts, Throwable thrown) {
        log(INFO, sourceClass, sourceMethod, msg, inserts, thrown);
    }

    @Override
    public void config(String sourceClass, String sourceMethod, String msg) {
        log(CONFIG, sourceClass, sourceMethod, msg, null, null);
    }

    @Override
    public void config(String sourceClass, String sourceMethod, String msg, Object[] inserts) {
        log(CONFIG, sourceClass, sourceMethod, msg, inserts, null);
    }

    @Override
    public void config(String sourceClass, String sourceMethod, String msg, Object[] inserts, Throwable thrown) {
        log(CONFIG, sourceClass, sourceMethod, msg, inserts, thrown);
    }

    @Override
    public void fine(String sourceClass, String sourceMethod, String msg) {
        log(FINE, sourceClass, sourceMethod, msg, null, null);
    }

    @Override
    public void fine(String sourceClass, String sourceMethod, String msg, Object[] inserts) {
        log(FINE, sourceClass, sourceMethod, msg, inserts, null);
    }

    @Override
    public void fine(String sourceClass, String sourceMethod, String msg, Object[] inserts, Throwable ex) {
        log(FINE, sourceClass, sourceMethod, msg, inserts, ex);
    }

    @Override
    public void finer(String sourceClass, String sourceMethod, String msg) {
        log(FINER, sourceClass, sourceMethod, msg, null, null);
    }

    @Override
    public void finer(String sourceClass, String sourceMethod, String msg, Object[] inserts) {
        log(FINER, sourceClass, sourceMethod, msg, inserts, null);
    }

    @Override
    public void finer(String sourceClass, String sourceMethod, String msg, Object[] inserts, Throwable ex) {
        log(FINER, sourceClass, sourceMethod, msg, inserts, ex);
    }

    @Override
    public void finest(String sourceClass, String sourceMethod, String msg) {
        log(FINEST, sourceClass, sourceMethod, msg, null, null);
    }

    @Override
    public void finest(String sourceClass, String sourceMethod, String msg, Object[] inserts) {
        log(FINEST, sourceClass, sourceMethod, msg, inserts, null);
    }

    @Override
    public void finest(String sourceClass, String sourceMethod, String msg, Object[] inserts, Throwable ex) {
        log(FINEST, sourceClass, sourceMethod, msg, inserts, ex);
    }
}
