package org.openjii.mmi.ingest;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.openjii.mmi.message.FailureReason;
import org.openjii.mmi.support.DeviceJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Decides how many messages a run becomes: body {@link Measurement} (or a list of them, from a backfill) in, body
 * {@code List<MeasurementPart>} out, for Camel's split EIP.
 * <ul>
 * <li>{@code mode=run} (default): one message per run. A run that would still exceed {@code maxPayloadBytes} after
 * compression is split by sample instead (logged at INFO): AWS IoT Core refuses anything over 128 KB, and openJII has
 * no large-payload route for a device.</li>
 * <li>{@code mode=sample}: one message per element of {@code sample}, each with {@code _split} ({@code index},
 * {@code count}, {@code run_id}). A run with an empty {@code sample} stays one message.</li>
 * </ul>
 * The messages of a run split into several also carry the run id as {@code workbook_run_id}, unless a
 * {@value IngestHeaders#WORKBOOK_RUN_ID} header gives one ({@link EnrichMeasurement}): openJII keeps that field and
 * drops {@code _split}.
 * <p>
 * Sizes are measured, not guessed: the samples are encoded as {@link EnrichMeasurement} will send them (same
 * {@link SampleEncoder}) and the encoding travels with the part, so nothing is compressed twice when both steps use
 * the same encoder. The message around the sample is measured too; {@code reserveBytes} leaves room for what enrich
 * adds from its own knobs and headers ({@code protocol_id}, {@code questions}, {@code workbook_run_id}, ...).
 * {@link SerializePayload} checks the final size.
 * <p>
 * A single sample still over the limit cannot be split further: {@code payload-too-large}.
 */
public class SplitMeasurement implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(SplitMeasurement.class);

    /** How a run is divided into messages. */
    public enum Mode {
        /** One message per run, split by sample only when it would be too large. */
        RUN,
        /** One message per sample element. */
        SAMPLE
    }

    public static final int DEFAULT_MAX_PAYLOAD_BYTES = 128 * 1024;
    public static final int DEFAULT_RESERVE_BYTES = 2048;

    private Mode mode = Mode.RUN;
    private int maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES;
    private int reserveBytes = DEFAULT_RESERVE_BYTES;
    private SampleEncoder encoder = SampleEncoder.defaults();

    public String getMode() {
        return mode.name().toLowerCase(Locale.ROOT);
    }

    /** {@code run} (default) or {@code sample}. */
    public void setMode(String mode) {
        try {
            this.mode = Mode.valueOf(mode.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("mode must be run or sample, was '" + mode + "'", e);
        }
    }

    public int getMaxPayloadBytes() {
        return maxPayloadBytes;
    }

    /** Largest message in bytes (default 131072, AWS IoT Core's 128 KB). */
    public void setMaxPayloadBytes(int maxPayloadBytes) {
        this.maxPayloadBytes = Knobs.atLeast("maxPayloadBytes", maxPayloadBytes, 1);
    }

    public int getReserveBytes() {
        return reserveBytes;
    }

    /**
     * Bytes kept free in every message for the fields enrich adds from its knobs (default 2048): {@code protocol_id},
     * {@code questions}, {@code annotations}, {@code macros}, a time zone name longer than {@code UTC}.
     */
    public void setReserveBytes(int reserveBytes) {
        this.reserveBytes = Knobs.atLeast("reserveBytes", reserveBytes, 0);
    }

    public SampleEncoder getEncoder() {
        return encoder;
    }

    /**
     * How the sample is encoded (default: {@link SampleEncoder#defaults()}); give {@link EnrichMeasurement} the same
     * encoder so the sample is compressed once.
     */
    public void setEncoder(SampleEncoder encoder) {
        this.encoder = Objects.requireNonNull(encoder, "encoder");
    }

    @Override
    public void process(Exchange exchange) throws IngestException, InvalidPayloadException {
        Message in = exchange.getMessage();
        Object body = in.getBody();
        List<MeasurementPart> parts = new ArrayList<>();
        if (body instanceof Iterable<?> runs) {
            for (Object run : runs) {
                if (!(run instanceof Measurement measurement)) {
                    throw new InvalidPayloadException(exchange, Measurement.class);
                }
                parts.addAll(split(measurement));
            }
        } else {
            parts.addAll(split(in.getMandatoryBody(Measurement.class)));
        }
        in.setBody(parts);
    }

    /** The parts of one run, without Camel. */
    public List<MeasurementPart> split(Measurement measurement) throws IngestException {
        SampleArray samples = measurement.sample();
        if (mode == Mode.SAMPLE && !samples.isEmpty()) {
            return bySample(measurement);
        }
        EncodedSample encoded = encoder.encode(samples);
        MeasurementPart whole = new MeasurementPart(measurement, samples, null, encoded);
        int size = size(whole);
        if (size <= limit()) {
            return List.of(whole);
        }
        if (samples.size() <= 1) {
            throw tooLarge(measurement, "with its only sample", size);
        }
        LOG.info("Run {} of device {} would be a {} byte message (limit {} minus {} reserved); splitting it into {}"
                + " messages, one per sample", measurement.runId(), deviceId(measurement), size, maxPayloadBytes,
                reserveBytes, samples.size());
        return bySample(measurement);
    }

    private List<MeasurementPart> bySample(Measurement measurement) throws IngestException {
        SampleArray samples = measurement.sample();
        int count = samples.size();
        List<MeasurementPart> parts = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            SampleArray one = samples.element(i);
            MeasurementPart part = new MeasurementPart(measurement, one,
                    new MeasurementPart.Split(i, count, measurement.runId()), encoder.encode(one));
            int size = size(part);
            if (size > limit()) {
                throw tooLarge(measurement, "with sample " + i + " of " + count + " alone", size);
            }
            parts.add(part);
        }
        return parts;
    }

    /**
     * Bytes of the message enrich and serialize will make of the part, without the fields {@code reserveBytes} covers
     * (from the knobs and headers).
     */
    static int size(MeasurementPart part) {
        EncodedSample sample = part.encoded();
        EncodedSample empty = new EncodedSample("", sample.encoding(), 2, sample.encoder());
        ObjectNode message = IngestMessage.build(part, empty, ZoneOffset.UTC, null, null, null, null, null);
        IngestMessage.putClientIdPlaceholder(message);
        String envelope = DeviceJson.write(message);
        return IngestMessage.utf8Length(envelope) - empty.serializedBytes() + sample.serializedBytes();
    }

    private int limit() {
        return maxPayloadBytes - reserveBytes;
    }

    private IngestException tooLarge(Measurement measurement, String what, int size) {
        return new IngestException(FailureReason.PAYLOAD_TOO_LARGE, "Run " + measurement.runId() + " of device "
                + deviceId(measurement) + " " + what + " would be a " + size + " byte message; the limit is "
                + maxPayloadBytes + " minus " + reserveBytes + " reserved");
    }

    private static String deviceId(Measurement measurement) {
        JsonNode id = measurement.output().get("device_id");
        return id == null ? "?" : id.asText();
    }
}
