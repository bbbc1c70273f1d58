package org.openjii.mmi.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import picocli.CommandLine.Option;

/**
 * {@code --config FILE} and {@code --set key=value}: the bridge's configuration as every command that reads it takes it
 * (a picocli mixin).
 */
final class ConfigurationOptions {

    @Option(names = "--config", paramLabel = "FILE", description = "An extra properties file; its keys win over"
            + " application.properties.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one key, e.g. --set"
            + " mmi.device.port=auto (repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

    /** The --config file for MmiApplication, or null. */
    String configFile() {
        return config == null ? null : config.toString();
    }

    /** The usage error of a --config that names no file ({@code mmi <command>: --config X: no such file}), or null. */
    String problem(String command) {
        return config != null && !Files.isRegularFile(config)
                ? "mmi " + command + ": --config " + config + ": no such file"
                : null;
    }
}
