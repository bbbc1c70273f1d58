package org.openjii.mmi;

import org.apache.camel.CamelExecutionException;
import org.apache.camel.RuntimeCamelException;
import org.junit.jupiter.api.Test;
import org.openjii.mmi.device.CommandCancelledException;
import org.openjii.mmi.device.MultispeqTimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

class ReasonCodedTest {

    /** A failure with a code chosen by the test (blank ones must be skipped). */
    private static final class Coded extends RuntimeException implements ReasonCoded {

        private final String reason;

        Coded(String reason, Throwable cause) {
            super("coded " + reason, cause);
            this.reason = reason;
        }

        @Override
        public String reason() {
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
    void shouldTakeTheOutermostCodeAndSkipBlankOnes() {
        CommandCancelledException inner = new CommandCancelledException("cancelled", null);
        Coded outer = new Coded("busy", inner);

        assertThat(ReasonCoded.find(outer)).isSameAs(outer);
        assertThat(ReasonCoded.find(new Coded(" ", inner))).isSameAs(inner);
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
