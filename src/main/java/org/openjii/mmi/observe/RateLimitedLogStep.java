package org.openjii.mmi.observe;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.Processor;
import org.openjii.mmi.support.Durations;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * A route's log step for a line a flood would repeat (one per dead letter): what Camel's {@code log} EIP logs, at most
 * once per {@code interval} for each value of {@code key} (a dead letter's reason, say), with how many lines were left
 * out in the next one ({@link RateLimitedLog}). Used from YAML as a bean: {@code process: {ref: ...}}.
 * <p>
 * Hand-written: Camel's {@code log} EIP has no rate limit, and the {@code log:} component's {@code groupInterval}
 * replaces the lines by throughput figures, which drop what each line said.
 */
public class RateLimitedLogStep implements Processor, CamelContextAware {

    /** Keys remembered at most; beyond that a new key shares the window of the others. */
    static final int MAX_KEYS = 100;

    private CamelContext camelContext;
    private String logName = "mmi";
    private Level level = Level.INFO;
    private String message;
    private String key;
    private Duration interval = Duration.ofSeconds(10);
    private Clock clock = Clock.systemUTC();
    private Expression messageExpression;
    private Expression keyExpression;
    private final Map<String, RateLimitedLog> logs = new LinkedHashMap<>();

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    public String getLogName() {
        return logName;
    }

    /** The logger's name, as the {@code log} EIP's {@code logName}. */
    public void setLogName(String logName) {
        this.logName = logName;
    }

    public String getLoggingLevel() {
        return level.name();
    }

    /** {@code ERROR}, {@code WARN}, {@code INFO} or {@code DEBUG}. */
    public void setLoggingLevel(String loggingLevel) {
        this.level = Level.valueOf(loggingLevel.strip().toUpperCase(Locale.ROOT));
    }

    public String getMessage() {
        return message;
    }

    /** The line, a Simple expression, as the {@code log} EIP's {@code message}. */
    public void setMessage(String message) {
        this.message = message;
    }

    public String getKey() {
        return key;
    }

    /** A Simple expression; lines with different values are limited separately. Unset: all lines together. */
    public void setKey(String key) {
        this.key = key;
    }

    public String getInterval() {
        return interval.toMillis() + "ms";
    }

    /** At most one line per this, per key ({@code 10s}). */
    public void setInterval(String interval) {
        this.interval = Duration.ofMillis(Durations.millis("interval", interval));
    }

    /** Where "now" comes from (tests set it). */
    public void setClock(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void process(Exchange exchange) {
        if (messageExpression == null) {
            messageExpression = simple(exchange, message);
            keyExpression = key == null ? null : simple(exchange, key);
        }
        String line = messageExpression.evaluate(exchange, String.class);
        String group = keyExpression == null ? "" : String.valueOf(keyExpression.evaluate(exchange, String.class));
        log(group).log(level, "{}", line);
    }

    private synchronized RateLimitedLog log(String group) {
        RateLimitedLog log = logs.get(group);
        if (log == null) {
            if (logs.size() >= MAX_KEYS) {
                return logs.values().iterator().next();
            }
            log = new RateLimitedLog(LoggerFactory.getLogger(logName), interval, clock);
            logs.put(group, log);
        }
        return log;
    }

    private Expression simple(Exchange exchange, String text) {
        CamelContext context = camelContext != null ? camelContext : exchange.getContext();
        Expression expression = context.resolveLanguage("simple").createExpression(text);
        expression.init(context);
        return expression;
    }
}
