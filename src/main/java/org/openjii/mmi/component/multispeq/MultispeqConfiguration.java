package org.openjii.mmi.component.multispeq;

import org.apache.camel.RuntimeCamelException;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriParams;

/** Options of a {@code multispeq:} endpoint; set on the component they become every endpoint's defaults. */
@UriParams
public class MultispeqConfiguration implements Cloneable {

    public static final String PORT_AUTO = "auto";
    public static final String PORT_SIMULATOR = "sim";

    @UriParam(defaultValue = PORT_AUTO)
    private String port = PORT_AUTO;
    @UriParam(defaultValue = "115200")
    private int baudRate = 115200;
    @UriParam(label = "consumer")
    private String protocol;
    @UriParam(label = "consumer")
    private String command;
    @UriParam(label = "consumer", defaultValue = "0", javaType = "java.time.Duration")
    private long interval;
    @UriParam(javaType = "java.time.Duration")
    private long timeout;
    @UriParam(label = "consumer")
    private String answers;
    @UriParam(label = "consumer", defaultValue = "false")
    private boolean acknowledgeAlerts;
    @UriParam(label = "advanced", defaultValue = "1s", javaType = "java.time.Duration")
    private long reconnectDelay = 1000;
    @UriParam(label = "advanced", defaultValue = "30s", javaType = "java.time.Duration")
    private long reconnectMaxDelay = 30_000;
    @UriParam(label = "advanced", defaultValue = "1048576")
    private int maxFrameSize = 1024 * 1024;
    @UriParam(label = "advanced", defaultValue = "true")
    private boolean handshake = true;
    @UriParam(label = "advanced", defaultValue = "true")
    private boolean dtr = true;
    @UriParam(label = "advanced", defaultValue = "true")
    private boolean rts = true;
    @UriParam(label = "advanced", defaultValue = "/dev/serial/by-id/*,/dev/ttyACM*,/dev/ttyUSB*")
    private String scanPatterns = "/dev/serial/by-id/*,/dev/ttyACM*,/dev/ttyUSB*";
    @UriParam(label = "advanced")
    private String simulator;
    @UriParam(label = "producer,security")
    private String allowCommands;
    @UriParam(label = "producer", defaultValue = "true")
    private boolean parseJson = true;

    public String getPort() {
        return port;
    }

    /**
     * The serial port: a device path such as /dev/ttyACM0 or, better, a stable /dev/serial/by-id/... link; auto to
     * scan the serial ports and use the first that answers hello with MultispeQ Ready; sim for the built-in
     * simulator (sim:NAME for several simulated devices). Every endpoint with the same port shares one open port.
     */
    public void setPort(String port) {
        this.port = port;
    }

    public int getBaudRate() {
        return baudRate;
    }

    /** Line speed in bits per second (8N1); ignored by the device on USB. */
    public void setBaudRate(int baudRate) {
        this.baudRate = baudRate;
    }

    public String getProtocol() {
        return protocol;
    }

    /**
     * The measurement protocol the consumer runs (and the producer sends when the body is empty): JSON inline, or a
     * resource such as file:protocols/par.json or classpath:protocols/par.json.
     */
    public void setProtocol(String protocol) {
        this.protocol = protocol;
    }

    public String getCommand() {
        return command;
    }

    /**
     * A console command the consumer runs instead of a protocol, e.g. battery. Continuous commands (hall, 1053,
     * all_sensors) run as a stream: one exchange per frame until the route stops, which cancels the command on the
     * device.
     */
    public void setCommand(String command) {
        this.command = command;
    }

    public long getInterval() {
        return interval;
    }

    /** How often the consumer measures, from the start of one run to the next; 0 measures once. */
    public void setInterval(long interval) {
        this.interval = interval;
    }

    public long getTimeout() {
        return timeout;
    }

    /**
     * How long to wait for a reply; 0 picks it per request: for protocols twice the run-time estimate plus 10 s,
     * at least 120 s and at most 20 min (as openJII estimates it), 2 s for hello, 5 s for device_info and battery, 60 s
     * for other console commands.
     */
    public void setTimeout(long timeout) {
        this.timeout = timeout;
    }

    public String getAnswers() {
        return answers;
    }

    /**
     * Answers, comma separated and in order, to the questions an interactive protocol asks (prompt, confirm; alert
     * too unless acknowledgeAlerts). A protocol with more questions than answers is rejected before it is sent.
     */
    public void setAnswers(String answers) {
        this.answers = answers;
    }

    public boolean isAcknowledgeAlerts() {
        return acknowledgeAlerts;
    }

    /** Acknowledge protocol alerts automatically instead of taking an answer from answers. */
    public void setAcknowledgeAlerts(boolean acknowledgeAlerts) {
        this.acknowledgeAlerts = acknowledgeAlerts;
    }

    public long getReconnectDelay() {
        return reconnectDelay;
    }

    /** First wait before reopening a port that is missing or failed; doubles per attempt up to reconnectMaxDelay. */
    public void setReconnectDelay(long reconnectDelay) {
        this.reconnectDelay = reconnectDelay;
    }

    public long getReconnectMaxDelay() {
        return reconnectMaxDelay;
    }

    /** Longest wait between attempts to reopen the port. */
    public void setReconnectMaxDelay(long reconnectMaxDelay) {
        this.reconnectMaxDelay = reconnectMaxDelay;
    }

    public int getMaxFrameSize() {
        return maxFrameSize;
    }

    /**
     * Largest reply kept, in bytes (the largest real MultispeQ output seen is 66 KB); a longer one is discarded with
     * a frame-too-large error so memory stays bounded.
     */
    public void setMaxFrameSize(int maxFrameSize) {
        this.maxFrameSize = maxFrameSize;
    }

    public boolean isHandshake() {
        return handshake;
    }

    /** Send hello and device_info after every (re)connect; a port that does not answer as a MultispeQ is closed. */
    public void setHandshake(boolean handshake) {
        this.handshake = handshake;
    }

    public boolean isDtr() {
        return dtr;
    }

    /** Assert DTR after opening: the MultispeQ only sends while DTR is set. */
    public void setDtr(boolean dtr) {
        this.dtr = dtr;
    }

    public boolean isRts() {
        return rts;
    }

    /** Assert RTS after opening (some Teensy cores accept DTR or RTS). */
    public void setRts(boolean rts) {
        this.rts = rts;
    }

    public String getScanPatterns() {
        return scanPatterns;
    }

    /**
     * Where port=auto looks, besides the ports jSerialComm lists: comma separated paths with a glob in the last
     * element.
     */
    public void setScanPatterns(String scanPatterns) {
        this.scanPatterns = scanPatterns;
    }

    public String getSimulator() {
        return simulator;
    }

    /**
     * Options of the built-in simulator used with port=sim, e.g. id=01:12:53:20,firmware=2.3465,faults=crc:0.1.
     */
    public void setSimulator(String simulator) {
        this.simulator = simulator;
    }

    public String getAllowCommands() {
        return allowCommands;
    }

    /**
     * Console commands to allow beyond the read-only set (hello, battery, device_info, memory, print_memory, compiled,
     * temp, print_date, indicate, usb, hall, 1053, all_sensors), comma separated by name. Commands that write, reboot,
     * sleep or update firmware (every set_ command, reset, reboot, sleep, upgrade, ...) are refused unless named here;
     * save allows protocols that write EEPROM, digital_write those that set pins (dw).
     */
    public void setAllowCommands(String allowCommands) {
        this.allowCommands = allowCommands;
    }

    public boolean isParseJson() {
        return parseJson;
    }

    /** Whether the producer returns a JSON reply parsed (Map or List) rather than as text. */
    public void setParseJson(boolean parseJson) {
        this.parseJson = parseJson;
    }

    public MultispeqConfiguration copy() {
        try {
            return (MultispeqConfiguration) clone();
        } catch (CloneNotSupportedException e) {
            throw new RuntimeCamelException(e);
        }
    }
}
