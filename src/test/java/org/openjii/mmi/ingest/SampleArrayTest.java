package org.openjii.mmi.ingest;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.support.DeviceJson;

import com.fasterxml.jackson.databind.node.ArrayNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openjii.mmi.ingest.IngestFixtures.PAR_RAW;
import static org.openjii.mmi.ingest.IngestFixtures.flatSample;

class SampleArrayTest {

    private static SampleArray fromText(String json) {
        byte[] bytes = ("{\"sample\":" + json + "}").getBytes(StandardCharsets.UTF_8);
        return SampleArray.ofCompactJson(new SampleArray.Json(bytes, "{\"sample\":".length(), json.length()));
    }

    @Test
    void shouldWriteATreeAsCompactJson() {
        ArrayNode tree = flatSample(PAR_RAW);
        SampleArray samples = SampleArray.ofTree(tree);

        assertThat(samples.compactJson().text()).isEqualTo(DeviceJson.write(tree));
        assertThat(samples.tree()).isSameAs(tree);
        assertThat(samples.size()).isEqualTo(1);
        assertThat(samples.isEmpty()).isFalse();
    }

    @Test
    void shouldParseTheTreeFromTheTextOnlyWhenAskedAndOnce() {
        String json = "[{\"r\":2086.0,\"label\":\"a\"},{\"r\":1}]";
        SampleArray samples = fromText(json);

        assertThat(samples.toString()).contains(json.length() + " bytes");
        assertThat(samples.compactJson().text()).isEqualTo(json);
        assertThat(samples.tree().get(0).get("r").toString()).isEqualTo("2086.0");
        assertThat(samples.tree()).isSameAs(samples.tree());
        assertThat(samples.size()).isEqualTo(2);
    }

    @Test
    void shouldCountSamplesInTheTextWithoutATree() {
        assertThat(fromText("[]").size()).isZero();
        assertThat(fromText("[{}]").size()).isEqualTo(1);
        assertThat(fromText("[{\"a\":[1,2],\"b\":{\"c\":\"x,]}\"}},[3,[4,5]],\"q\\\",\",6]").size()).isEqualTo(4);
        SampleArray written = SampleArray.ofTree(flatSample(PAR_RAW));
        written.compactJson();
        assertThat(written.size()).isEqualTo(1);
    }

    @Test
    void shouldTellAnEmptyArrayInEitherForm() {
        assertThat(fromText("[]").isEmpty()).isTrue();
        assertThat(SampleArray.ofTree(DeviceJson.mapper().createArrayNode()).isEmpty()).isTrue();
        assertThat(fromText("[{}]").isEmpty()).isFalse();
    }

    @Test
    void shouldGiveOneSampleAsAOneElementArray() {
        SampleArray samples = fromText("[{\"r\":1},{\"r\":2.50}]");

        assertThat(samples.element(1).compactJson().text()).isEqualTo("[{\"r\":2.50}]");
        assertThat(samples.element(0).tree().get(0)).isSameAs(samples.tree().get(0));
    }
}
