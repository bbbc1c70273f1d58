package org.openjii.mmi.routes;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The components an integration engineer reaches for first in a YAML route are on the class path of the application
 * as shipped: an endpoint of each resolves without a rebuild.
 */
class RouteComponentsTest {

    private final CamelContext context = new DefaultCamelContext();

    @AfterEach
    void close() throws Exception {
        context.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"file:archive?fileName=${header.CamelIotMessageId}.json", "log:mmi.example",
            "timer:every-minute?period=60000", "seda:second-sink", "http://localhost:8080/measurements",
            "micrometer:counter:mmi.example", "iot:data", "multispeq:lab?port=sim"})
    void resolvesWithoutARebuild(String uri) {
        assertThat(context.getEndpoint(uri)).as(uri).isNotNull();
    }
}
