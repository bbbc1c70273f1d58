package org.openjii.mmi.device;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class FrameDecoderTest {

    private static final int MAX_FRAME = 1 << 20;

    private static final String PAR = Fixtures.SERIAL + "measurement-par-v2.raw";

    @Test
    void shouldDecodeEveryRawFixtureTheSameWhetherFedWholeOrOneByteAtATime() {
        List<String> files = Fixtures.rawFiles();
        // 14 synthetic serial captures and the PhotosynQ example (fixtures/multispeq/README.md).
        assertThat(files).hasSize(15);
        for (String path : files) {
            byte[] raw = Fixtures.bytes(path);

            List<Frame> whole = RecordingListener.decodeWhole(raw, MAX_FRAME).frames;
            List<Frame> bytewise = RecordingListener.decodeBytewise(raw, MAX_FRAME).frames;

            assertThat(describe(bytewise)).as(path).isEqualTo(describe(whole));
            if (path.endsWith(".truncated.raw")) {
                assertThat(whole).as(path).isEmpty();
            } else {
                assertThat(whole).as(path).isNotEmpty();
            }
        }
    }

    @Test
    void shouldReassembleAReplyWhoseChecksumIsSplitAcrossReads() throws Exception {
        RecordingListener listener = new RecordingListener();
        FrameDecoder decoder = new FrameDecoder(MAX_FRAME, listener);
        List<byte[]> chunks = Fixtures.received("transcript-chunked-reply.json");
        assertThat(chunks).hasSize(4);

        long now = 1_000;
        for (byte[] chunk : chunks) {
            decoder.feed(chunk, now);
            now += 10;
        }

        JsonNode expected = Fixtures.json(Fixtures.SERIAL + "transcript-chunked-reply.json").path("expected");
        assertThat(listener.frames).hasSize(1);
        Frame frame = listener.frames.get(0);
        assertThat(frame.kind()).isEqualTo(Frame.Kind.CHECKSUMMED);
        assertThat(frame.crcStatus()).isEqualTo(CrcStatus.VALID);
        assertThat(frame.receivedChecksum()).isEqualTo(expected.path("checksum").asText());
        assertThat(DeviceJson.parse(frame.text())).isEqualTo(expected.path("json"));
        assertThat(frame.firstByteAt()).isEqualTo(1_000);
        assertThat(frame.lastByteAt()).isEqualTo(1_030);
        assertThat(decoder.pendingLength()).isZero();
    }

    @Test
    void shouldReportAChecksumMismatch() {
        byte[] raw = Fixtures.bytes(Fixtures.SERIAL + "measurement-par-v2.checksum-mismatch.raw");

        List<Frame> frames = RecordingListener.decodeWhole(raw, MAX_FRAME).frames;

        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).kind()).isEqualTo(Frame.Kind.CHECKSUMMED);
        assertThat(frames.get(0).crcStatus()).isEqualTo(CrcStatus.MISMATCH);
        assertThat(frames.get(0).receivedChecksum()).isEqualTo("C2520BB5");
        assertThat(frames.get(0).noiseLength()).isZero();
    }

    @Test
    void shouldKeepATruncatedReplyPendingWithoutAFrame() {
        byte[] raw = Fixtures.bytes(Fixtures.SERIAL + "measurement-par-v2.truncated.raw");
        RecordingListener listener = new RecordingListener();
        FrameDecoder decoder = new FrameDecoder(MAX_FRAME, listener);

        decoder.feed(raw, 5);

        assertThat(listener.frames).isEmpty();
        assertThat(decoder.pendingLength()).isEqualTo(97);
        assertThat(decoder.pending()).isEqualTo(raw);
        assertThat(decoder.lastPendingByte()).isEqualTo(raw[96] & 0xFF);
        assertThat(decoder.pendingFirstByteAt()).isEqualTo(5);
    }

    @Test
    void shouldReturnRepliesWithoutChecksumAsPlainLines() {
        String[][] cases = {{"hello.raw", "MultispeQ Ready"}, {"hello-legacy-doc.raw", "Instrument Ready"},
                {"battery-fw1.17.raw", "{\"battery\":87}"}, {"battery-openjii-assumed.raw", "battery:87"},
                {"error-bad-command-fw1.17.raw", "{\"error\":\"bad command\"}"}};
        for (String[] c : cases) {
            byte[] raw = Fixtures.bytes(Fixtures.SERIAL + c[0]);

            List<Frame> frames = RecordingListener.decodeWhole(raw, MAX_FRAME).frames;

            assertThat(frames).as(c[0]).hasSize(1);
            assertThat(frames.get(0).kind()).as(c[0]).isEqualTo(Frame.Kind.LINE);
            assertThat(frames.get(0).crcStatus()).as(c[0]).isEqualTo(CrcStatus.ABSENT);
            assertThat(frames.get(0).receivedChecksum()).as(c[0]).isNull();
            assertThat(frames.get(0).text()).as(c[0]).isEqualTo(c[1]);
        }
    }

    @Test
    void shouldIgnoreCarriageReturnsAndEmptyLines() {
        byte[] par = Fixtures.bytes(PAR);
        String parLine = new String(par, 0, par.length - 1, StandardCharsets.UTF_8);
        byte[] stream = ("\r\n\n\r\r\nMultispeQ Ready\r\n\n\n" + parLine + "\r\n\r\n" + "\n")
                .getBytes(StandardCharsets.UTF_8);

        List<Frame> frames = RecordingListener.decodeWhole(stream, MAX_FRAME).frames;

        assertThat(frames).hasSize(2);
        assertThat(frames.get(0).text()).isEqualTo("MultispeQ Ready");
        assertThat(frames.get(1).crcStatus()).isEqualTo(CrcStatus.VALID);
        assertThat(frames.get(1).text()).isEqualTo(parLine.substring(0, parLine.length() - 8));
        assertThat(frames.get(1).raw()).isEqualTo(Arrays.copyOf(par, par.length - 1));
    }

    @Test
    void shouldCheckEachStreamFrameAgainstItsOwnChecksum() {
        byte[] raw = Fixtures.bytes(Fixtures.SERIAL + "stream-all-sensors-fw1.17.raw");
        String[] lines = new String(raw, StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(3);

        List<Frame> frames = RecordingListener.decodeWhole(raw, MAX_FRAME).frames;

        assertThat(frames).hasSize(3);
        for (int i = 0; i < 3; i++) {
            Frame frame = frames.get(i);
            String line = lines[i];
            assertThat(frame.crcStatus()).isEqualTo(CrcStatus.VALID);
            assertThat(frame.text()).isEqualTo(line.substring(0, line.length() - 8));
            assertThat(frame.receivedChecksum()).isEqualTo(line.substring(line.length() - 8));
        }
        // The CRC restarts per frame: the second frame does not verify as a continuation of the first.
        assertThat(Crc32Checksum.format(Crc32Checksum.compute(frames.get(0).text() + frames.get(1).text())))
                .isNotEqualTo(frames.get(1).receivedChecksum());
    }

    @Test
    void shouldVerifyAnInteractiveReplyWhoseChecksumCoversAllDeviceOutput() {
        List<byte[]> rx = Fixtures.received("transcript-alert-prompt.json");
        JsonNode expected = Fixtures.json(Fixtures.SERIAL + "transcript-alert-prompt.json").path("expected");
        RecordingListener listener = new RecordingListener();
        FrameDecoder decoder = new FrameDecoder(MAX_FRAME, listener);

        decoder.feed(rx.get(0), 1);
        // The device now waits for an answer: nothing is framed and the question is visible in the tail.
        assertThat(listener.frames).isEmpty();
        assertThat(decoder.pendingTail(64)).endsWith("\"message\":[\"alert\",\"thickness fully closed\",\"");
        decoder.feed(rx.get(1), 2);
        assertThat(decoder.pendingTail(64)).endsWith("enter alternate value\",\"");
        decoder.feed(rx.get(2), 3);

        assertThat(listener.frames).hasSize(1);
        Frame frame = listener.frames.get(0);
        assertThat(frame.crcStatus()).isEqualTo(CrcStatus.VALID);
        assertThat(frame.receivedChecksum()).isEqualTo(expected.path("checksum").asText()).isEqualTo("D2FBFD81");
        assertThat(frame.textBytes()).hasSize(expected.path("checksum_input_bytes").asInt());
        byte[] all = Fixtures.concat(rx);
        assertThat(RecordingListener.decodeWhole(all, MAX_FRAME).frames).extracting(Frame::text)
                .containsExactly(frame.text());
    }

    @Test
    void shouldFindAValidReplyBehindGarbageOnTheSameLine() {
        byte[] par = Fixtures.bytes(PAR);
        byte[] garbage = "\u0000\u00ff}{ late {\"device_id\":\"01:1".getBytes(StandardCharsets.ISO_8859_1);
        byte[] stream = Fixtures.concat(List.of(garbage, par));

        List<Frame> frames = RecordingListener.decodeWhole(stream, MAX_FRAME).frames;

        assertThat(frames).hasSize(1);
        Frame frame = frames.get(0);
        assertThat(frame.crcStatus()).isEqualTo(CrcStatus.VALID);
        assertThat(frame.noiseLength()).isEqualTo(garbage.length).isPositive();
        assertThat(frame.textBytes()).isEqualTo(Arrays.copyOf(par, par.length - 9));
        assertThat(frame.raw()).isEqualTo(Arrays.copyOf(stream, stream.length - 1));
    }

    @Test
    void shouldDecodePrettyPrintedJsonSpanningLinesWithAChecksumOverAllItsBytes() throws Exception {
        String pretty = Fixtures.text("public/device/print-memory_fw2.3465.json");
        assertThat(pretty).startsWith("{\n").endsWith("\n}").doesNotContain("\r");
        byte[] stream = Crc32Checksum.frame(pretty).getBytes(StandardCharsets.UTF_8);

        RecordingListener whole = RecordingListener.decodeWhole(stream, MAX_FRAME);
        RecordingListener bytewise = RecordingListener.decodeBytewise(stream, MAX_FRAME);

        assertThat(whole.frames).hasSize(1);
        Frame frame = whole.frames.get(0);
        assertThat(frame.kind()).isEqualTo(Frame.Kind.CHECKSUMMED);
        assertThat(frame.crcStatus()).isEqualTo(CrcStatus.VALID);
        assertThat(frame.text()).isEqualTo(pretty);
        assertThat(DeviceJson.parse(frame.text())).isEqualTo(DeviceJson.parse(pretty));
        assertThat(describe(bytewise.frames)).isEqualTo(describe(whole.frames));
    }

    @Test
    void shouldEndPrettyPrintedJsonWithoutChecksumWhenTheBracketsBalance() {
        String pretty = Fixtures.text("public/device/print-memory_fw2.3465.json");
        byte[] stream = (pretty + "\nMultispeQ Ready\n").getBytes(StandardCharsets.UTF_8);

        List<Frame> frames = RecordingListener.decodeWhole(stream, MAX_FRAME).frames;

        assertThat(frames).extracting(Frame::text).containsExactly(pretty, "MultispeQ Ready");
        assertThat(frames).extracting(Frame::crcStatus).containsOnly(CrcStatus.ABSENT);
    }

    @Test
    void shouldDropAnEndlessLineOnceWithBoundedMemoryAndResumeAfterTheNextLineFeed() {
        int maxFrame = 64 * 1024;
        RecordingListener listener = new RecordingListener();
        FrameDecoder decoder = new FrameDecoder(maxFrame, listener);
        byte[] chunk = new byte[4096];
        Arrays.fill(chunk, (byte) 'x');
        int total = 20 * 1024 * 1024;

        int maxCapacity = 0;
        for (int sent = 0; sent < total; sent += chunk.length) {
            decoder.feed(chunk, sent);
            maxCapacity = Math.max(maxCapacity, decoder.capacity());
        }

        assertThat(listener.overflows).hasSize(1);
        assertThat(listener.frames).isEmpty();
        assertThat(maxCapacity).isLessThanOrEqualTo(maxFrame + 1);
        assertThat(decoder.pendingLength()).isZero();
        FrameOverflow overflow = listener.overflows.get(0);
        assertThat(overflow.limit()).isEqualTo(maxFrame);
        assertThat(overflow.head()).hasSize(64).containsOnly((byte) 'x');
        assertThat(overflow.firstByteAt()).isZero();

        decoder.feed("xx\nMultispeQ Ready\n".getBytes(StandardCharsets.US_ASCII), total);

        assertThat(listener.overflows).hasSize(1);
        assertThat(listener.frames).extracting(Frame::text).containsExactly("MultispeQ Ready");
        // Every byte of the endless line is accounted for, plus its line feed.
        assertThat(decoder.discardedBytes()).isEqualTo(total + 2L + 1L);
        assertThat(decoder.capacity()).isLessThanOrEqualTo(maxFrame + 1);
    }

    @Test
    void shouldDateAnOverflowToTheReadThatStartedTheOversizedFrame() {
        RecordingListener listener = new RecordingListener();
        FrameDecoder decoder = new FrameDecoder(1024, listener);
        decoder.feed("MultispeQ Ready\n".getBytes(StandardCharsets.US_ASCII), 1_000);
        byte[] big = new byte[4096];
        Arrays.fill(big, (byte) 'y');

        decoder.feed(big, 2_000);

        assertThat(listener.overflows).hasSize(1);
        assertThat(listener.overflows.get(0).firstByteAt()).isEqualTo(2_000);
    }

    @Test
    void shouldFindAOneLineReplyAfterAStrayOpeningBracketAndManyBracesOfNoise() {
        // A lone "{" line opens pretty-printed JSON; the noise lines after it hold more '{' than the resync budget.
        byte[] par = Fixtures.bytes(PAR);
        String noise = "{\n" + "{\"x\":[".repeat(300) + "\n";
        byte[] stream = Fixtures.concat(List.of(noise.getBytes(StandardCharsets.US_ASCII), par));

        List<Frame> frames = RecordingListener.decodeWhole(stream, MAX_FRAME).frames;

        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).crcStatus()).isEqualTo(CrcStatus.VALID);
        assertThat(frames.get(0).textBytes()).isEqualTo(Arrays.copyOf(par, par.length - 9));
    }

    @Test
    void shouldKeepAOneLineReplyWhenStrayPrettyPrintedLinesFillTheLimit() {
        // Found by FrameDecoderFuzzTest: "{" and a 65,533-byte line filled a 64 KB decoder in pretty-JSON mode, so
        // the valid reply on the next line overflowed with them and was dropped.
        int maxFrame = 64 * 1024;
        byte[] filler = new byte[maxFrame - 3];
        byte[] par = Fixtures.bytes(PAR);
        byte[] stream = Fixtures
                .concat(List.of("{\n".getBytes(StandardCharsets.US_ASCII), filler, new byte[]{'\n'}, par));

        for (RecordingListener listener : List.of(RecordingListener.decodeWhole(stream, maxFrame),
                RecordingListener.decodeBytewise(stream, maxFrame))) {
            assertThat(listener.overflows).hasSize(1);
            assertThat(listener.overflows.get(0).head()).startsWith('{', '\n', 0);
            assertThat(listener.frames).hasSize(1);
            assertThat(listener.frames.get(0).crcStatus()).isEqualTo(CrcStatus.VALID);
            assertThat(listener.frames.get(0).textBytes()).isEqualTo(Arrays.copyOf(par, par.length - 9));
        }
    }

    @Test
    void shouldDropAStaleFragmentOnReset() {
        JsonNode transcript = Fixtures.json(Fixtures.SERIAL + "transcript-stale-fragment.json");
        List<byte[]> rx = Fixtures.received("transcript-stale-fragment.json");
        assertThat(rx).hasSize(2);

        RecordingListener flushed = new RecordingListener();
        FrameDecoder decoder = new FrameDecoder(MAX_FRAME, flushed);
        decoder.feed(rx.get(0), 1);
        assertThat(decoder.pendingLength()).isEqualTo(rx.get(0).length);
        decoder.reset();
        assertThat(decoder.pendingLength()).isZero();
        decoder.feed(rx.get(1), 2);

        assertThat(flushed.frames).extracting(Frame::text)
                .containsExactly(transcript.path("expected_if_flushed_before_send").asText());

        // Without the reset the fragment fuses with the reply, as the transcript warns.
        RecordingListener fused = RecordingListener.decodeWhole(Fixtures.concat(rx), MAX_FRAME);
        assertThat(fused.frames).extracting(Frame::text)
                .containsExactly(transcript.path("expected_if_buffer_not_flushed").asText());
    }

    @Test
    void shouldLeavePrettyModeOnReset() {
        RecordingListener listener = new RecordingListener();
        FrameDecoder decoder = new FrameDecoder(MAX_FRAME, listener);
        decoder.feed("{\n  \"partial\": [1,\n".getBytes(StandardCharsets.US_ASCII), 1);
        assertThat(listener.frames).isEmpty();

        decoder.reset();
        decoder.feed(Fixtures.bytes(Fixtures.SERIAL + "hello.raw"), 2);

        assertThat(listener.frames).extracting(Frame::text).containsExactly("MultispeQ Ready");
    }

    @Test
    void shouldRejectAnUnusablySmallLimit() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new FrameDecoder(15, new RecordingListener()));
    }

    /** What two decodings must agree on (read times aside). */
    static List<String> describe(List<Frame> frames) {
        return frames.stream()
                .map(f -> f.kind() + "|" + f.crcStatus() + "|" + f.receivedChecksum() + "|" + f.noiseLength() + "|"
                        + Arrays.toString(f.raw()))
                .toList();
    }
}
