package org.openjii.mmi.component.multispeq.transport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.openjii.mmi.device.Frame;
import org.openjii.mmi.device.FrameDecoder;
import org.openjii.mmi.device.FrameListener;
import org.openjii.mmi.device.SerialTransport;

/**
 * Asks an open port whether a MultispeQ is on the other end: {@code hello}, expecting a line with
 * {@code MultispeQ Ready} (or {@code Instrument Ready}), 2 s per attempt, two attempts (as openJII identifies
 * devices).
 */
public final class MultispeqProbe {

    public static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(2);
    private static final byte[] HELLO = "hello\r\n".getBytes(StandardCharsets.US_ASCII);

    private MultispeqProbe() {
    }

    /** Returns {@code null} when a MultispeQ answered, otherwise what was seen instead. */
    public static String probe(SerialTransport transport, Duration attemptTimeout, int attempts) throws IOException {
        String seen = "no answer";
        for (int attempt = 0; attempt < attempts; attempt++) {
            List<String> lines = new ArrayList<>();
            FrameDecoder decoder = new FrameDecoder(4096, new FrameListener() {

                @Override
                public void onFrame(Frame frame) {
                    lines.add(frame.text());
                }
            });
            transport.clearInput();
            transport.write(HELLO);
            long deadline = System.nanoTime() + attemptTimeout.toNanos();
            byte[] buffer = new byte[1024];
            while (System.nanoTime() < deadline) {
                int wait = (int) Math.max(1, Math.min(100, (deadline - System.nanoTime()) / 1_000_000));
                int n = transport.read(buffer, wait);
                if (n < 0) {
                    return "the port closed";
                }
                decoder.feed(buffer, 0, n, System.currentTimeMillis());
                for (String line : lines) {
                    String lower = line.toLowerCase(Locale.ROOT);
                    if (lower.contains("multispeq") && lower.contains("ready") || lower.contains("instrument ready")) {
                        return null;
                    }
                }
            }
            if (!lines.isEmpty()) {
                String first = lines.get(0);
                seen = "answered '" + (first.length() > 40 ? first.substring(0, 37) + "..." : first) + "'";
            } else if (decoder.pendingLength() > 0) {
                seen = decoder.pendingLength() + " bytes without a line end";
            }
        }
        return seen;
    }
}
