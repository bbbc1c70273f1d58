package org.openjii.mmi.openjii;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Thing names as openJII's backend makes them (register-iot-device.ts and its spec). */
class ThingNamesTest {

    @Test
    void shouldNameTheThingAsOpenJiiRegistersIt() {
        // register-iot-device.spec.ts: serialNumber E8:F6:0A:B1:1D:D4, deviceType ambyte.
        assertThat(ThingNames.of("ambyte", "E8:F6:0A:B1:1D:D4")).isEqualTo("ambyte_E8:F6:0A:B1:1D:D4");
        // A MultispeQ's device_id keeps its colons: AWS allows them in Thing names.
        assertThat(ThingNames.of("multispeq", "01:12:53:20")).isEqualTo("multispeq_01:12:53:20");
    }

    @Test
    void shouldReplaceWhatAwsRefusesInAThingName() {
        // Every character the serial number may hold (zRegisterIotDeviceBody) beyond [a-zA-Z0-9:_-].
        assertThat(ThingNames.of("multispeq", "a.b,c@d/e#f=g[h]i j")).isEqualTo("multispeq_a-b-c-d-e-f-g-h-i-j");
    }
}
