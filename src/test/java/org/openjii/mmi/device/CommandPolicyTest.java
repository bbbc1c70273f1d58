package org.openjii.mmi.device;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.openjii.mmi.message.FailureReason;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CommandPolicyTest {

    private final CommandPolicy defaults = CommandPolicy.safeDefaults();

    @Test
    void shouldAllowEveryCommandThatOnlyReads() throws Exception {
        for (String command : List.of("hello", "1000", "battery", "device_info", "1007", "memory", "print_memory",
                "print_calibrations", "compiled", "temp", "print_date", "usb", "hall", "1053", "all_sensors")) {
            assertThat(defaults.checkCommand(command)).as(command).isEqualTo(command);
            assertThat(defaults.checkCommand(command + "+")).as(command).isEqualTo(command + "+");
        }
    }

    @Test
    void shouldAllowIndicateWithItsColourParameters() throws Exception {
        assertThat(defaults.checkCommand("indicate+255+0+0+")).isEqualTo("indicate+255+0+0+");
    }

    @Test
    void shouldStripSurroundingWhiteSpaceAndLineEndings() throws Exception {
        assertThat(defaults.checkCommand("  hello\r\n")).isEqualTo("hello");
    }

    @Test
    void shouldDenyCommandsThatWriteRebootSleepOrUpdate() {
        for (String command : List.of("upgrade", "1078", "reset", "1027", "reboot", "sleep", "set_device_info", "1008",
                "digital_write+5+1+", "set_shutdown_time+1800+", "set_op+", "set_cp+", "usb_on+1+", "spm+0+",
                "xRb+128+")) {
            assertThatThrownBy(() -> defaults.checkCommand(command)).as(command)
                    .isInstanceOf(MultispeqException.class)
                    .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED)
                    .hasMessageContaining("'" + CommandPolicy.commandName(command) + "' is not allowed");
        }
    }

    @Test
    void shouldAllowACommandEnabledByNameAndNothingElse() throws Exception {
        CommandPolicy policy = new CommandPolicy(List.of("set_shutdown_time", " usb_on "));

        assertThat(policy.checkCommand("set_shutdown_time+1800+")).isEqualTo("set_shutdown_time+1800+");
        assertThat(policy.checkCommand("usb_on+1+")).isEqualTo("usb_on+1+");
        assertThat(policy.allowed()).contains("set_shutdown_time", "usb_on", "hello");
        for (String command : List.of("reboot", "set_device_info", "set_op+", "sleep")) {
            assertThatThrownBy(() -> policy.checkCommand(command)).as(command)
                    .isInstanceOf(MultispeqException.class)
                    .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED);
        }
    }

    @Test
    void shouldRejectControlAndNonAsciiCharacters() {
        for (String command : List.of("hello\nreboot", "hel\u0000lo", "batt\u0007ery", "hello\treboot", "hallo\u00e9",
                "hello\u007f")) {
            assertThatThrownBy(() -> defaults.checkCommand(command)).as(command)
                    .isInstanceOf(MultispeqException.class)
                    .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED)
                    .hasMessageContaining("control or non-ASCII character");
        }
    }

    @Test
    void shouldRejectEmptyAndOverlongCommands() {
        assertThatThrownBy(() -> defaults.checkCommand(null)).isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED)
                .hasMessageContaining("Empty");
        assertThatThrownBy(() -> defaults.checkCommand(" \r\n")).isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED)
                .hasMessageContaining("Empty");
        // fw 1.x stops reading a command after 49 characters; the rest would run as a second command.
        assertThatThrownBy(() -> defaults.checkCommand("indicate+" + "1".repeat(41)))
                .isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED)
                .hasMessageContaining("longer than 49");
    }

    @Test
    void shouldDenyASecondCommandChainedBehindAPlus() {
        // The firmware ends a command at '+'; whatever the command does not read as parameters runs as the next
        // command (docs/multispeq-protocol.md, "Commands"). A safe name must not carry a denied one along.
        for (String command : List.of("hello+reboot+", "battery+upgrade+", "hello+1078+", "device_info++reset+",
                "indicate+255+0+0+sleep+", "indicate+255+0+0+1027+")) {
            assertThatThrownBy(() -> defaults.checkCommand(command)).as(command)
                    .isInstanceOf(MultispeqException.class)
                    .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED);
        }
    }

    @Test
    void shouldDenyTextParametersOfCommandsEnabledByName() {
        CommandPolicy policy = new CommandPolicy(List.of("set_shutdown_time"));

        assertThatThrownBy(() -> policy.checkCommand("set_shutdown_time+1800+reboot+"))
                .isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED);
    }

    /**
     * The firmware runs numbers a command does not read as further commands: {@code 1078} is upgrade, {@code 1027}
     * reset, {@code 1008} set_device_info (fw 1.20 multispeq1/loop.cpp). Enabling a command allows its own parameters
     * only.
     */
    @Test
    void shouldDenyADeniedCommandSmuggledAsANumberBehindAnEnabledOne() throws Exception {
        CommandPolicy policy = CommandPolicy.ofCommaSeparated("set_shutdown_time,set_thickness_quick");

        for (String command : List.of("set_shutdown_time+1800+1078+", "set_shutdown_time+1800+1027+",
                "set_shutdown_time+1800+1008+12345+", "set_thickness_quick+1+2+1078+", "set_shutdown_time+")) {
            assertThatThrownBy(() -> policy.checkCommand(command)).as(command)
                    .isInstanceOf(MultispeqException.class)
                    .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED)
                    .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED);
        }
        assertThat(policy.checkCommand("set_shutdown_time+1800+")).isEqualTo("set_shutdown_time+1800+");
        assertThat(policy.checkCommand("set_thickness_quick+1+2+")).isEqualTo("set_thickness_quick+1+2+");
    }

    @Test
    void shouldDenyAParameterWithoutItsClosingPlus() {
        // The device reads a parameter up to its '+' with no time limit: the next command would end up inside it.
        assertThatThrownBy(() -> CommandPolicy.ofCommaSeparated("set_shutdown_time")
                .checkCommand("set_shutdown_time+1800")).isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED)
                .hasMessageContaining("'+'");
    }

    @Test
    void shouldTakeTheParameterCountsFromTheFirmwareSource() throws Exception {
        // fw 1.20 loop.cpp: set_magnetometer_bias reads 3 values (alias 1030), set_accelerometer 9, set_date 6
        // (loop-switch-jz.h); set_user_defined reads an index and a value until the index is -1.
        CommandPolicy policy = CommandPolicy.ofCommaSeparated("set_magnetometer_bias,1030,set_accelerometer,"
                + "set_date,set_user_defined");

        assertThat(policy.checkCommand("set_magnetometer_bias+1+2+3+")).isNotNull();
        assertThat(policy.checkCommand("1030+1+2+3+")).isNotNull();
        assertThat(policy.checkCommand("set_accelerometer+1+2+3+4+5+6+7+8+9+")).isNotNull();
        assertThat(policy.checkCommand("set_date+12+0+0+1+6+2026+")).isNotNull();
        assertThat(policy.checkCommand("set_user_defined+3+0.5+4+1.5+-1+")).isNotNull();
        for (String command : List.of("set_magnetometer_bias+1+2+", "1030+1+2+3+4+", "set_date+12+0+0+1+6+",
                "set_user_defined+3+0.5+", "set_user_defined+3+0.5+4+-1+", "set_user_defined+-1+5+-1+")) {
            assertThatThrownBy(() -> policy.checkCommand(command)).as(command)
                    .isInstanceOf(MultispeqException.class)
                    .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED);
        }
    }

    @Test
    void shouldTakeTheParameterCountOfACommandTheFirmwareSourceDoesNotListFromTheSetting() throws Exception {
        CommandPolicy policy = CommandPolicy.ofCommaSeparated("digital_write:2, my_command");

        assertThat(policy.checkCommand("digital_write+5+1+")).isEqualTo("digital_write+5+1+");
        assertThat(policy.checkCommand("my_command")).isEqualTo("my_command");
        assertThatThrownBy(() -> policy.checkCommand("digital_write+5+1+1078+"))
                .isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED);
        assertThatThrownBy(() -> policy.checkCommand("my_command+1+")).isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED)
                .hasMessageContaining("name:count");
        assertThatThrownBy(() -> CommandPolicy.ofCommaSeparated("digital_write:two"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("digital_write:two");
    }

    @Test
    void shouldDenyAProtocolLargerThanTheFirmwaresSerialBuffer() {
        // fw 1.17 multispeq1/loop.cpp: serial_buffer_size = 7000; the device runs the rest of a longer line as
        // console commands.
        String label = "x".repeat(CommandPolicy.MAX_PROTOCOL_BYTES);
        MeasurementProtocol large = MeasurementProtocol.parse("[{\"label\":\"" + label + "\"}]");
        MeasurementProtocol fits = MeasurementProtocol.parse("[{\"label\":\"" + label.substring(0,
                CommandPolicy.MAX_PROTOCOL_BYTES - "[{\"label\":\"\"}]".length()) + "\"}]");

        assertThat(fits.compact()).hasSize(CommandPolicy.MAX_PROTOCOL_BYTES);
        assertThatCode(() -> defaults.checkProtocol(fits)).doesNotThrowAnyException();
        assertThatThrownBy(() -> defaults.checkProtocol(large)).isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED)
                .hasMessageContaining("7000");
    }

    @Test
    void shouldDenyADeniedKeyAtAnyDepthOfTheProtocol() {
        MeasurementProtocol deep = MeasurementProtocol.parse("[{\"_protocol_set_\":[{\"_protocol_set_\":"
                + "[{\"label\":\"deep\",\"save\":[[1,2]]}]}]}]");

        assertThatThrownBy(() -> defaults.checkProtocol(deep)).isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED)
                .hasMessageContaining("'save'");
    }

    @Test
    void shouldDenyAProtocolThatSavesToEepromUnlessSaveIsEnabled() {
        MeasurementProtocol saving = MeasurementProtocol
                .parse("[{\"_protocol_set_\":[{\"label\":\"cal\",\"save\":[[1,2]]}]}]");

        assertThatThrownBy(() -> defaults.checkProtocol(saving)).isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED)
                .hasMessageContaining("'save'");
        assertThatCode(() -> new CommandPolicy(List.of("save")).checkProtocol(saving)).doesNotThrowAnyException();
    }

    @Test
    void shouldDenyAProtocolThatSetsAPinUnlessDigitalWriteIsEnabled() {
        MeasurementProtocol settingAPin = MeasurementProtocol
                .parse("[{\"_protocol_set_\":[{\"label\":\"pin\",\"dw\":[14,1]}]}]");

        assertThatThrownBy(() -> defaults.checkProtocol(settingAPin)).isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED)
                .hasMessageContaining("'dw'")
                .hasMessageContaining("'digital_write'");
        assertThatThrownBy(() -> new CommandPolicy(List.of("dw", "save")).checkProtocol(settingAPin))
                .isInstanceOf(MultispeqException.class)
                .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED);
        assertThatCode(() -> new CommandPolicy(List.of("digital_write")).checkProtocol(settingAPin))
                .doesNotThrowAnyException();
    }

    /**
     * The promise of remote control (issue 5): these are never sent unless an operator enables them by name. Checked
     * on the defaults, on the list itself (so a read-only command added later cannot smuggle one in), and for the
     * numeric aliases the firmware also accepts.
     */
    @Test
    void shouldNeverAllowWritingRebootingSleepingOrUpdatingByDefault() {
        List<String> never = List.of("upgrade", "1078", "set_device_info", "1008", "reset", "1027", "reboot", "sleep",
                "digital_write", "digital_write+5+1+", "set_shutdown_time+1800+", "set_user_defined+1+2+", "set_");

        for (String command : never) {
            assertThatThrownBy(() -> defaults.checkCommand(command)).as(command)
                    .isInstanceOf(MultispeqException.class)
                    .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED)
                    .hasFieldOrPropertyWithValue("reason", FailureReason.DENIED);
        }
        assertThat(CommandPolicy.SAFE_COMMANDS).doesNotContainAnyElementsOf(never.stream()
                .map(CommandPolicy::commandName)
                .toList());
        assertThat(CommandPolicy.SAFE_COMMANDS).noneMatch(name -> name.startsWith("set_"));
    }

    @Test
    void shouldReadTheAllowCommandsSettingAsCommaSeparatedNames() throws Exception {
        CommandPolicy policy = CommandPolicy.ofCommaSeparated(" save, set_shutdown_time ,,");

        assertThat(policy.allowed()).containsAll(CommandPolicy.SAFE_COMMANDS)
                .contains("save", "set_shutdown_time")
                .hasSize(CommandPolicy.SAFE_COMMANDS.size() + 2);
        assertThat(CommandPolicy.ofCommaSeparated(null).allowed()).isEqualTo(CommandPolicy.SAFE_COMMANDS);
        assertThat(CommandPolicy.ofCommaSeparated(" ").allowed()).isEqualTo(CommandPolicy.SAFE_COMMANDS);
    }

    @Test
    void shouldAllowProtocolsThatDoNotSave() {
        for (String path : List.of("rides.json", "par.json", "spad.json", "recall-settings.json", "phi2.json")) {
            MeasurementProtocol protocol = MeasurementProtocol.parse(Fixtures.text("public/protocols/" + path));

            assertThatCode(() -> defaults.checkProtocol(protocol)).as(path).doesNotThrowAnyException();
        }
    }

    @Test
    void shouldNameACommandByTheTextBeforeItsFirstPlus() {
        assertThat(CommandPolicy.commandName("indicate+255+0+0+")).isEqualTo("indicate");
        assertThat(CommandPolicy.commandName(" hello ")).isEqualTo("hello");
        assertThat(CommandPolicy.commandName("-1+")).isEqualTo("-1");
    }
}
