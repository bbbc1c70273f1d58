package org.openjii.mmi.delivery.tls;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code mmi.mqtt.proxy}, and {@code HTTPS_PROXY} with {@code NO_PROXY} as curl reads them (curl's documentation of
 * the variables): which proxy a broker gets, and that a proxy's password is never shown.
 */
class HttpProxyTest {

    private static final String BROKER = "ssl://abc-ats.iot.eu-central-1.amazonaws.com:8883";

    @Test
    void theSettingIsAnHttpUrlWithOptionalCredentials() throws Exception {
        HttpProxy proxy = HttpProxy.parse("http://lab%40jii:p%3Ass@proxy.example.org:3128", HttpProxy.SETTING);
        assertThat(proxy.host()).isEqualTo("proxy.example.org");
        assertThat(proxy.port()).isEqualTo(3128);
        // Percent-encoded in the URL, sent as the proxy expects them.
        assertThat(proxy.username()).isEqualTo("lab@jii");
        assertThat(proxy.password()).isEqualTo("p:ss");
        assertThat(proxy.describe()).isEqualTo("http://lab@jii:****@proxy.example.org:3128 (mmi.mqtt.proxy)");
        assertThat(HttpProxy.parse("proxy.example.org:8080", "HTTPS_PROXY").describe())
                .isEqualTo("http://proxy.example.org:8080 (HTTPS_PROXY)");
    }

    @Test
    void whatIsNoHttpProxyIsNamedWithoutRepeatingIt() {
        assertThatThrownBy(() -> HttpProxy.parse("socks5://u:s3cret@proxy:1080", HttpProxy.SETTING))
                .hasMessageStartingWith("mmi.mqtt.proxy has the scheme socks5")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> HttpProxy.parse("http://u:s3cret@proxy", HttpProxy.SETTING))
                .hasMessageStartingWith("mmi.mqtt.proxy names no proxy host and port")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> HttpProxy.parse("http://u:s3 cret@proxy:1", HttpProxy.SETTING))
                .hasMessageStartingWith("mmi.mqtt.proxy is not a valid proxy URL")
                .hasMessageNotContaining("s3 cret");
    }

    @Test
    void theSettingWinsOverTheEnvironmentAndNoneTurnsItOff() throws Exception {
        Map<String, String> env = Map.of("HTTPS_PROXY", "http://env-proxy:3128");
        assertThat(HttpProxy.select("http://set-proxy:8080", env, BROKER)).hasValueSatisfying(
                proxy -> assertThat(proxy.host()).isEqualTo("set-proxy"));
        assertThat(HttpProxy.select("none", env, BROKER)).isEmpty();
        assertThat(HttpProxy.select(null, env, BROKER)).hasValueSatisfying(
                proxy -> assertThat(proxy.source()).isEqualTo("HTTPS_PROXY"));
        assertThat(HttpProxy.select(null, Map.of("https_proxy", "http://lower:1"), BROKER)).isPresent();
    }

    @Test
    void theEnvironmentsProxyIsForTlsBrokersOffThisMachine() throws Exception {
        Map<String, String> env = Map.of("HTTPS_PROXY", "http://env-proxy:3128");
        assertThat(HttpProxy.select(null, env, "tcp://broker.example:1883")).isEmpty();
        assertThat(HttpProxy.select(null, env, "ssl://localhost:8883")).isEmpty();
        assertThat(HttpProxy.select(null, env, "ssl://127.0.0.1:8883")).isEmpty();
        assertThat(HttpProxy.select(null, Map.of(), BROKER)).isEmpty();
    }

    @Test
    void noProxyNamesHostsDomainsAndEverything() throws Exception {
        for (String noProxy : new String[]{"amazonaws.com", ".amazonaws.com", "*.amazonaws.com",
                "localhost, abc-ats.iot.eu-central-1.amazonaws.com", "iot.eu-central-1.amazonaws.com:8883", "*"}) {
            assertThat(HttpProxy.select(null, Map.of("HTTPS_PROXY", "http://p:1", "NO_PROXY", noProxy), BROKER))
                    .as(noProxy)
                    .isEmpty();
        }
        for (String noProxy : new String[]{"example.org", "ws.com", "eu-central-1", ""}) {
            assertThat(HttpProxy.select(null, Map.of("HTTPS_PROXY", "http://p:1", "no_proxy", noProxy), BROKER))
                    .as(noProxy)
                    .isPresent();
        }
    }
}
