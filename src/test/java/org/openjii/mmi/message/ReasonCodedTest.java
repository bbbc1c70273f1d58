package org.openjii.mmi.message;

import org.apache.camel.CamelExecutionException;
import org.apache.camel.RuntimeCamelException;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.device.CommandCancelledException;
import org.openjii.mmi.device.MultispeqTimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

class ReasonCodedTest {

    /** A failure with a reason chosen by the test ({@code null} ones must be skipped). */
    private static final class Coded extends RuntimeException implements ReasonCoded {

        private final FailureReason reason;

        Coded(FailureReason reason, Throwable cause) {
            super("coded " + reason, cause);
            this.reason = reason;
        }

        @Override
        public FailureReason reason() {
            return reason;
        }
    }

    @Test
    void shouldFindTheCodedFailureCamelWrapped() {
        MultispeqTimeoutException timeout = new MultispeqTimeoutException("no reply", null);

        assertThat(ReasonCoded.find(new CamelExecutionException("failed", null, new RuntimeCamelException(timeout))))
                .isSameAs(timeout);
    }

    @Test
    void shouldTakeTheOutermostReasonAndSkipMissingOnes() {
        CommandCancelledException inner = new CommandCancelledException("cancelled", null);
        Coded outer = new Coded(FailureReason.BUSY, inner);

        assertThat(ReasonCoded.find(outer)).isSameAs(outer);
        assertThat(ReasonCoded.find(new Coded(null, inner))).isSameAs(inner);
        assertThat(ReasonCoded.find(new Coded(null, null))).isNull();
    }

    @Test
    void shouldEndACyclicChainAndAcceptNull() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);

        assertThat(ReasonCoded.find(a)).isNull();
        assertThat(ReasonCoded.find(null)).isNull();
    }
}
