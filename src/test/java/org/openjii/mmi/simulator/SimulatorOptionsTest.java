package org.openjii.mmi.simulator;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimulatorOptionsTest {

    @Test
    void defaultsAreTheV2DeviceOfThePublicParOutput() {
        SimulatorOptions o = SimulatorOptions.defaults();

        assertThat(o.deviceName()).isEqualTo("MultispeQ");
        assertThat(o.deviceVersion()).isEqualTo("2");
        assertThat(o.deviceId()).isEqualTo("01:12:53:20");
        assertThat(o.battery()).isEqualTo(82);
        assertThat(o.firmware()).isEqualTo("2.3465");
        assertThat(o.batteryFormat()).isEqualTo(BatteryFormat.COLON);
        assertThat(o.profile()).isEqualTo(FirmwareProfile.FW_2);
        assertThat(o.chunkSize()).isEqualTo(64);
        assertThat(o.chunkPause()).isEqualTo(Duration.ofMillis(1));
        assertThat(o.runTime()).isEmpty();
        assertThat(o.maxRunTime()).isEqualTo(Duration.ofSeconds(2));
        assertThat(o.streamPeriod()).isEqualTo(Duration.ofMillis(1200));
        assertThat(o.output()).isEmpty();
        assertThat(o.outputJson()).isEmpty();
        assertThat(o.seed()).isEqualTo(42);
        assertThat(o.faults()).isEmpty();
        assertThat(o.unplugAfter()).isZero();
        assertThat(o.replugAfter()).contains(Duration.ofSeconds(2));
        assertThat(o.floodBytes()).isEqualTo(8L << 20);
        assertThat(SimulatorOptions.parse("")).isEqualTo(o);
        assertThat(SimulatorOptions.parse(null)).isEqualTo(o);
    }

    @Test
    void parsesTheFullSpec() {
        SimulatorOptions o = SimulatorOptions.parse("id=52:00:13:24,firmware=2.31,battery=92,battery-format=colon,"
                + "chunk=16,pause=2ms,run-time=1500ms,max-run-time=3s,stream-period=250ms,output=rides_fw2.21,seed=7,"
                + "faults=crc:0.1;truncate:0.05;garbage:0.2;nan:0.1;slow;silence:0.1;unplug:after=5,replug=2s,"
                + "flood-bytes=1MB,name=MultispeQ,version=2");

        assertThat(o.deviceId()).isEqualTo("52:00:13:24");
        assertThat(o.firmware()).isEqualTo("2.31");
        assertThat(o.battery()).isEqualTo(92);
        assertThat(o.batteryFormat()).isEqualTo(BatteryFormat.COLON);
        assertThat(o.chunkSize()).isEqualTo(16);
        assertThat(o.chunkPause()).isEqualTo(Duration.ofMillis(2));
        assertThat(o.runTime()).contains(Duration.ofMillis(1500));
        assertThat(o.maxRunTime()).isEqualTo(Duration.ofSeconds(3));
        assertThat(o.streamPeriod()).isEqualTo(Duration.ofMillis(250));
        assertThat(o.output()).contains("rides_fw2.21");
        assertThat(o.seed()).isEqualTo(7);
        assertThat(o.faults()).isEqualTo(Map.of(SimulatorFault.CRC_ERROR, 0.1, SimulatorFault.TRUNCATE, 0.05,
                SimulatorFault.GARBAGE, 0.2, SimulatorFault.NAN_TOKENS, 0.1, SimulatorFault.SLOW, 1.0,
                SimulatorFault.SILENCE, 0.1));
        assertThat(o.unplugAfter()).isEqualTo(5);
        assertThat(o.replugAfter()).contains(Duration.ofSeconds(2));
        assertThat(o.floodBytes()).isEqualTo(1L << 20);
    }

    @Test
    void specRoundTrips() {
        SimulatorOptions o = SimulatorOptions.parse("id=52:00:13:24,firmware=1.17,version=1,battery=-1,"
                + "run-time=0,pause=0,faults=flood:0.5;unplug:0.25;unplug:after=3,replug=never,"
                + "output=par_fw2.3465.json,stream-period=1500");

        assertThat(SimulatorOptions.parse(o.toSpec())).isEqualTo(o);
        assertThat(o.replugAfter()).isEmpty();
        assertThat(o.output()).contains("par_fw2.3465");
        assertThat(o.streamPeriod()).isEqualTo(Duration.ofMillis(1500));
        assertThat(SimulatorOptions.parse(SimulatorOptions.defaults().toSpec())).isEqualTo(SimulatorOptions.defaults());
    }

    @Test
    void builderCopiesAndReplaces() {
        SimulatorOptions base = SimulatorOptions.builder().output("phi2_fw1.2").build();
        SimulatorOptions changed = base.toBuilder().outputJson("{\"sample\":[]}").build();

        assertThat(changed.output()).isEmpty();
        assertThat(changed.outputJson()).contains("{\"sample\":[]}");
        assertThat(base.output()).contains("phi2_fw1.2");
        assertThat(changed).isNotEqualTo(base);
        assertThat(base.toBuilder().build()).isEqualTo(base).hasSameHashCodeAs(base);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = { //
            "colour=red | Unknown simulator option 'colour'; keys: name, version, id",
            "id | 'id' must be key=value",
            "id=12:34 | 'id' must be four hexadecimal bytes",
            "firmware=two | 'firmware' must be 1.17, 1.20, 2.x or a decimal number",
            "battery=full | 'battery' must be a whole number from -1 to 1000",
            "battery=1001 | 'battery' must be a whole number from -1 to 1000",
            "battery-format=xml | 'battery-format' must be json or colon",
            "chunk=0 | 'chunk' must be a whole number from 1 to",
            "pause=fast | 'pause' must be a duration such as 0, 500ms, 2s or 1h30m (a bare number is milliseconds)",
            "pause=5x | 'pause' must be a duration",
            "pause=250us | 'pause' must be a duration",
            "run-time=1.5s | 'run-time' must be a duration",
            "max-run-time=PT0.5S | 'max-run-time' must be a duration",
            "run-time=-1s | 'run-time' must be a duration",
            "stream-period=1.0000000001ns | 'stream-period' must be a duration",
            "output=nothing | 'output' must be one of par_fw2.3465, phi2_fw1.2",
            "seed=x | 'seed' must be a whole number",
            "faults=boom | 'faults': Unknown simulator fault 'boom'; allowed: crc, truncate, garbage, nan, slow",
            "faults=crc:2 | 'faults': 'crc' takes a probability from 0 to 1",
            "faults=unplug:after=x | 'unplug' takes a probability from 0 to 1 or after=N",
            "replug=soon | 'replug' must be a duration",
            "flood-bytes=lots | 'flood-bytes' must be a positive size",
            "name=Multi\"speQ | 'name' must be 1 to 40 printable ASCII characters",
            "id=01:12:53:20,id=01:12:53:21 | 'id' is given twice"})
    void badSpecsNameTheKeyAndWhatIsAllowed(String spec, String message) {
        assertThatThrownBy(() -> SimulatorOptions.parse(spec)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void faultNamesRoundTrip() {
        for (SimulatorFault fault : SimulatorFault.values()) {
            assertThat(SimulatorFault.fromSpecName(fault.specName())).isEqualTo(fault);
        }
        assertThat(SimulatorFault.specNames()).isEqualTo("crc, truncate, garbage, nan, slow, silence, unplug, flood");
    }

    /** Camel's duration syntax, as every other duration setting of mmi reads it. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"0 | 0", "250 | 250", "250ms | 250", "2s | 2000", "1m | 60000",
            "2h | 7200000", "1h30m | 5400000", "1m30s500ms | 90500"})
    void durationsAreCamelDurations(String text, long millis) {
        assertThat(SimulatorOptions.parse("pause=" + text).chunkPause()).isEqualTo(Duration.ofMillis(millis));
    }

    @Test
    void builderRefusesWhatTheSpecRefuses() {
        assertThatThrownBy(() -> SimulatorOptions.builder().chunkPause(Duration.ofMillis(-1)).build())
                .hasMessageContaining("'pause' must be a duration of 0 or more");
        assertThatThrownBy(() -> SimulatorOptions.builder().fault(SimulatorFault.CRC_ERROR, 1.5).build())
                .hasMessageContaining("'crc' takes a probability from 0 to 1");
        assertThatThrownBy(() -> SimulatorOptions.builder().deviceId("01:12").build())
                .hasMessageContaining("'id' must be four hexadecimal bytes");
        assertThat(SimulatorOptions.builder().fault(SimulatorFault.CRC_ERROR, 0).build().faults()).isEmpty();
    }
}
