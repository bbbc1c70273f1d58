package org.openjii.mmi.test.openjii;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

class JsonStringifyTest {

    /**
     * The expected text is what Node.js 20's {@code JSON.stringify(value, null, 2)} printed for the same value (the
     * object literal below, written out as JSON).
     */
    @Test
    void shouldFormatAsJavaScriptDoes() throws Exception {
        String value = """
                {"group":"Field A/B","action":"issue","devices":["multispeq_0042","multispeq_a-b"],"empty":[],
                "obj":{},"nested":{"n":null,"t":true,"f":false,"x":1.5,"big":1e21,"small":1e-7,"neg":-0.000001,
                "int":3,"s":"q\\"b\\\\s/\\n\\t\\u0001é☃"},"arr":[[],{},[1,[2]]]}""";
        String expected = """
                {
                  "group": "Field A/B",
                  "action": "issue",
                  "devices": [
                    "multispeq_0042",
                    "multispeq_a-b"
                  ],
                  "empty": [],
                  "obj": {},
                  "nested": {
                    "n": null,
                    "t": true,
                    "f": false,
                    "x": 1.5,
                    "big": 1e+21,
                    "small": 1e-7,
                    "neg": -0.000001,
                    "int": 3,
                    "s": "q\\"b\\\\s/\\n\\t\\u0001é☃"
                  },
                  "arr": [
                    [],
                    {},
                    [
                      1,
                      [
                        2
                      ]
                    ]
                  ]
                }""";

        assertThat(JsonStringify.pretty(new ObjectMapper().readTree(value))).isEqualTo(expected);
    }

    @Test
    void shouldPrintNumbersAsJavaScriptDoes() {
        // Node.js: String(n) for each
        assertThat(JsonStringify.number(100)).isEqualTo("100");
        assertThat(JsonStringify.number(2.30)).isEqualTo("2.3");
        assertThat(JsonStringify.number(0.000001)).isEqualTo("0.000001");
        assertThat(JsonStringify.number(0.00000123)).isEqualTo("0.00000123");
        assertThat(JsonStringify.number(1.5e21)).isEqualTo("1.5e+21");
        assertThat(JsonStringify.number(-2.5e-8)).isEqualTo("-2.5e-8");
        assertThat(JsonStringify.number(123456789012345678901d)).isEqualTo("123456789012345680000");
    }
}
