package org.openjii.mmi.control;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandTopicsTest {

    private final CommandTopics topics = CommandTopics.defaults("greenhouse-2");

    @Test
    void shouldRenderTheDefaultTopicsForAThing() {
        assertThat(topics.command()).isEqualTo("mmi/v1/greenhouse-2/command");
        assertThat(topics.response()).isEqualTo("mmi/v1/greenhouse-2/response");
        assertThat(topics.status()).isEqualTo("mmi/v1/greenhouse-2/status");
        assertThat(topics).isEqualTo(CommandTopics.of("greenhouse-2", CommandTopics.DEFAULT_COMMAND_TOPIC,
                CommandTopics.DEFAULT_RESPONSE_TOPIC, CommandTopics.DEFAULT_STATUS_TOPIC))
                .hasSameHashCodeAs(CommandTopics.defaults("greenhouse-2"))
                .isNotEqualTo(CommandTopics.defaults("greenhouse-3"));
        assertThat(topics.toString()).isEqualTo("command mmi/v1/greenhouse-2/command, response"
                + " mmi/v1/greenhouse-2/response, status mmi/v1/greenhouse-2/status");
    }

    @Test
    void shouldRenderOwnTemplates() {
        CommandTopics own = CommandTopics.of("t1", "things/{clientId}/cmd", "things/{clientId}/cmd/reply",
                "things/status/{clientId}");

        assertThat(own.command()).isEqualTo("things/t1/cmd");
        assertThat(own.response()).isEqualTo("things/t1/cmd/reply");
        assertThat(own.status()).isEqualTo("things/status/t1");
    }

    @Test
    void shouldRefuseAClientIdThatIsNotOneSafeTopicLevel() {
        for (String clientId : new String[]{"a/b", "mmi+", "#", "$aws", "", "tab\there"}) {
            assertThatThrownBy(() -> CommandTopics.defaults(clientId)).as(clientId)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("The client id ")
                    .hasMessageEndingWith("; it names the command, response and status topics");
        }
        assertThatThrownBy(() -> CommandTopics.checkClientId(null)).hasMessage("The client id has no value; it names"
                + " the command, response and status topics");
        assertThatCode(() -> CommandTopics.checkClientId("multispeq_0042:lab-1")).doesNotThrowAnyException();
    }

    @Test
    void shouldRefuseTemplatesIotCoreRefuses() {
        // Eight slashes: AWS IoT Core allows seven.
        assertThatThrownBy(() -> CommandTopics.of("t", "a/b/c/d/e/f/g/{clientId}/command", "r/{clientId}",
                "s/{clientId}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("The command topic: ")
                .hasMessageContaining("has 8 slashes; AWS IoT Core allows at most 7");
        assertThatCode(() -> CommandTopics.of("t", "a/b/c/d/e/f/{clientId}/command", "r/{clientId}", "s/{clientId}"))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> CommandTopics.of("t", "c/{clientId}", "r/+/{clientId}", "s/{clientId}"))
                .hasMessageStartingWith("The response topic: ")
                .hasMessageContaining("wildcard '+'");
        assertThatThrownBy(() -> CommandTopics.of("t", "c/{clientId}", "r/{clientId}", "$aws/things/{clientId}"))
                .hasMessageStartingWith("The status topic: ")
                .hasMessageContaining("starts with $");
        assertThatThrownBy(() -> CommandTopics.of("t", "c/{thingName}", "r/{clientId}", "s/{clientId}"))
                .hasMessageStartingWith("The command topic: ")
                .hasMessageContaining("unknown placeholder(s) [thingName]");
    }

    @Test
    void shouldRefuseTopicsThatWouldAnswerThemselves() {
        assertThatThrownBy(() -> CommandTopics.of("t", "mmi/{clientId}", "mmi/{clientId}", "s/{clientId}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must differ")
                .hasMessageContaining("would come back as a request");
        assertThatThrownBy(() -> CommandTopics.of("t", "c/{clientId}", "s/{clientId}", "s/{clientId}"))
                .hasMessageContaining("must differ");
        assertThatThrownBy(() -> CommandTopics.of("t", "s/{clientId}", "r/{clientId}", "s/{clientId}"))
                .hasMessageContaining("must differ");
    }

    @Test
    void shouldAnswerOnTheRequestedTopicOrTheFallback() throws Exception {
        assertThat(topics.responseTopicFor("mmi/v1/greenhouse-2/response/alice")).isEqualTo(
                "mmi/v1/greenhouse-2/response/alice");
        assertThat(topics.responseTopicFor("mmi/v1/greenhouse-2/response")).isEqualTo("mmi/v1/greenhouse-2/response");
        assertThat(topics.responseTopicFor("mmi/v1/greenhouse-2/response/{job}")).as("braces are plain text")
                .isEqualTo("mmi/v1/greenhouse-2/response/{job}");
        assertThat(topics.responseTopicFor(null)).isEqualTo("mmi/v1/greenhouse-2/response");
        assertThat(topics.responseTopicFor("")).isEqualTo("mmi/v1/greenhouse-2/response");
    }

    @Test
    void shouldRefuseARequestedResponseTopicThatIsNotOneToPublishTo() {
        assertThat(responseRefusal("mmi/v1/greenhouse-2/command")).isEqualTo("The response topic"
                + " \"mmi/v1/greenhouse-2/command\" is the command topic, where the response would come back as a"
                + " request; answered on mmi/v1/greenhouse-2/response instead");
        assertThat(responseRefusal("mmi/v1/greenhouse-2/status")).contains("is the status topic");
        assertThat(responseRefusal("$aws/things/greenhouse-2/shadow/update")).contains("starts with $");
        assertThat(responseRefusal("replies/#")).contains("the wildcard '#'");
        assertThat(responseRefusal("replies/+/x")).contains("the wildcard '+'");
        assertThat(responseRefusal("replies//x")).contains("has an empty level");
        assertThat(responseRefusal("a/b/c/d/e/f/g/h/i")).contains("has 8 slashes");
        assertThat(responseRefusal("replies/\u0000")).contains("NUL");
        assertThat(responseRefusal("r".repeat(257))).contains("is 257 bytes; AWS IoT Core allows at most 256");
    }

    @Test
    void shouldRefuseAResponseTopicShapedLikeTheDataDeadLetterOrAnotherBridgesTopics() {
        // The attack: a status reply published as a measurement, a dead letter, or a request to another bridge.
        assertThat(responseRefusal("experiment/data_ingest/v1/demo/multispeq/2/01:12:53:20"))
                .contains("has the shape of the data topic (mmi.mqtt.topic)");
        assertThat(responseRefusal("mmi/dlq/greenhouse-2/timeout")).contains("a dead-letter topic");
        assertThat(responseRefusal("mmi/v1/greenhouse-3/command")).contains("a command topic");
        assertThat(responseRefusal("mmi/v1/greenhouse-3/status")).contains("a status topic");
        // Outside the filter: another Thing's responses, or anywhere else.
        assertThat(responseRefusal("mmi/v1/greenhouse-3/response/1")).contains(
                "is not under mmi/v1/greenhouse-2/response/# (mmi.commands.response-topic-filter)");
        assertThat(responseRefusal("operators/alice/replies")).contains("is not under");
        assertThat(responseRefusal("mmi/v1/greenhouse-2/responses")).contains("is not under");
    }

    @Test
    void shouldRefuseAResponseTopicShapedLikeTheDataTopicEvenUnderAWideFilter() throws Exception {
        CommandTopics wide = CommandTopics.of("lab", CommandTopics.DEFAULT_COMMAND_TOPIC,
                CommandTopics.DEFAULT_RESPONSE_TOPIC, CommandTopics.DEFAULT_STATUS_TOPIC, "#",
                "sites/{experimentId}/{sensorId}/data", "alerts/{clientId}");

        assertThat(wide.responseTopicFor("ops/replies/1")).isEqualTo("ops/replies/1");
        assertThatThrownBy(() -> wide.responseTopicFor("sites/e1/d1/data"))
                .isInstanceOf(BadCommandRequestException.class)
                .hasMessageContaining("the data topic");
        assertThatThrownBy(() -> wide.responseTopicFor("alerts/lab/bad-request"))
                .hasMessageContaining("a dead-letter topic");
        assertThatThrownBy(() -> wide.responseTopicFor("mmi/v1/other/command")).hasMessageContaining("command topic");
    }

    @Test
    void shouldRefuseAConfiguredResponseTopicOrFilterThatCannotWork() {
        assertThatThrownBy(() -> CommandTopics.of("t", "c/{clientId}", "experiment/data_ingest/v1/x/multispeq/2/y",
                "s/{clientId}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has the shape of the data topic");
        for (String filter : new String[]{"mmi/#/x", "mmi/a+/#", "mmi//#", "$aws/#"}) {
            assertThatThrownBy(() -> CommandTopics.of("t", "c/{clientId}", "r/{clientId}", "s/{clientId}", filter,
                    "d/{sensorId}", "q/{clientId}")).as(filter)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("The response topic filter '" + filter + "'");
        }
    }

    private String responseRefusal(String requested) {
        try {
            String topic = topics.responseTopicFor(requested);
            throw new AssertionError("Accepted " + topic);
        } catch (BadCommandRequestException e) {
            assertThat(e.reason().code()).isEqualTo("bad-request");
            assertThat(e.getMessage()).endsWith("; answered on mmi/v1/greenhouse-2/response instead");
            return e.getMessage();
        }
    }
}
