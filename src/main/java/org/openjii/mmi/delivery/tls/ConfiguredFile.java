package org.openjii.mmi.delivery.tls;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file named by a setting, for messages that say which setting and which file: {@code mmi.mqtt.key-file
 * /etc/mmi/key.pem: the file does not exist.}
 */
record ConfiguredFile(String setting, Path path) {

    /** A problem with this file, as one sentence: the setting, the path, then {@code problem}. */
    String sentence(String problem) {
        return setting + " " + path + ": " + problem + ".";
    }

    /** {@link #sentence} as the exception that stops startup. */
    MqttConfigurationException problem(String problem) {
        return new MqttConfigurationException(sentence(problem));
    }

    /** Refuses a file that is missing, a directory or unreadable, before anything tries to parse it. */
    void checkReadable() throws MqttConfigurationException {
        if (!Files.exists(path)) {
            throw problem("the file does not exist");
        }
        if (Files.isDirectory(path)) {
            throw problem("this is a directory; name the PEM file itself");
        }
        if (!Files.isReadable(path)) {
            throw problem("the file is not readable by this process (user " + System.getProperty("user.name") + ")");
        }
    }

    @Override
    public String toString() {
        return setting + " " + path;
    }
}
