package org.openjii.mmi.ingest;

import java.util.Objects;

/**
 * What becomes one message: a run, the samples this message carries (all of them, or one when the run is split), and
 * where it sits in the split. When {@link SplitMeasurement} had to encode the samples to measure them, the encoding
 * travels along so {@link EnrichMeasurement} does not compress the same bytes twice.
 *
 * @param measurement the run the samples come from
 * @param samples the samples of this part (the run's own array when whole)
 * @param split position in the split, {@code null} when the part is the whole run
 * @param encoded the samples already encoded, or {@code null}
 */
public record MeasurementPart(Measurement measurement, SampleArray samples, Split split, EncodedSample encoded) {

    /**
     * Where a part sits in a split run; written to the message as {@code _split: {index, count, run_id}} so the
     * parts can be put back together.
     */
    public record Split(int index, int count, String runId) {

        public Split {
            if (index < 0 || index >= count) {
                throw new IllegalArgumentException("Split index " + index + " outside 0.." + (count - 1));
            }
            Objects.requireNonNull(runId, "runId");
        }
    }

    public MeasurementPart {
        Objects.requireNonNull(measurement, "measurement");
        Objects.requireNonNull(samples, "samples");
    }

    /** The whole run as one part. */
    public static MeasurementPart whole(Measurement measurement) {
        return new MeasurementPart(measurement, measurement.sample(), null, null);
    }

    public boolean isSplit() {
        return split != null;
    }

    /** A summary instead of the samples (Camel logs message bodies). */
    @Override
    public String toString() {
        return "MeasurementPart[" + measurement + (split == null ? ", whole"
                : ", part " + split.index() + " of "
                        + split.count())
                + ", " + samples.size() + " sample(s)]";
    }
}
