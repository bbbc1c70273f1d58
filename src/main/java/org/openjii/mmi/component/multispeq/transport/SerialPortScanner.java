package org.openjii.mmi.component.multispeq.transport;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fazecast.jSerialComm.SerialPort;

/**
 * Lists serial ports: what jSerialComm enumerates (USB details: description, serial number, VID:PID), plus device
 * nodes matching glob patterns (jSerialComm does not enumerate pseudo-terminals or every driver), each with its
 * {@code /dev/serial/by-id} alias. Built-in UARTs ({@code /dev/ttyS*}) are left out unless a pattern names them.
 */
public final class SerialPortScanner {

    /** Where MultispeQs show up on Linux: the stable by-id links, CDC-ACM and USB-serial nodes. */
    public static final List<String> DEFAULT_PATTERNS = List.of("/dev/serial/by-id/*", "/dev/ttyACM*",
            "/dev/ttyUSB*");

    private static final Path BY_ID = Path.of("/dev/serial/by-id");

    private SerialPortScanner() {
    }

    /** All ports found, Teensy devices first, then by path. */
    public static List<SerialPortInfo> list(List<String> patterns) {
        Map<String, String> aliases = byIdAliases();
        Map<String, SerialPortInfo> ports = new LinkedHashMap<>();
        for (SerialPort port : SerialPort.getCommPorts()) {
            String node = realPath(port.getSystemPortPath());
            if (node.startsWith("/dev/ttyS")) {
                continue;
            }
            ports.put(node, new SerialPortInfo(node, aliases.get(node), blankToNull(port.getPortDescription()),
                    blankToNull(port.getManufacturer()), blankToNull(port.getSerialNumber()),
                    hex(port.getVendorID()), hex(port.getProductID())));
        }
        for (String path : expand(patterns)) {
            String node = realPath(path);
            ports.computeIfAbsent(node, n -> new SerialPortInfo(n,
                    aliases.getOrDefault(n, path.equals(n) ? null : path), null, null, null, null, null));
        }
        List<SerialPortInfo> sorted = new ArrayList<>(ports.values());
        sorted.sort(Comparator.comparing((SerialPortInfo p) -> !p.looksLikeTeensy())
                .thenComparing(SerialPortInfo::systemPath));
        return sorted;
    }

    /** Files matching the glob patterns (a glob in the last path element only, e.g. {@code /dev/ttyACM*}). */
    public static List<String> expand(List<String> patterns) {
        List<String> found = new ArrayList<>();
        for (String pattern : patterns) {
            Path p = Path.of(pattern.trim());
            Path dir = p.getParent();
            String glob = p.getFileName().toString();
            if (dir == null || !Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, glob)) {
                List<String> matches = new ArrayList<>();
                for (Path entry : entries) {
                    matches.add(entry.toString());
                }
                matches.sort(null);
                found.addAll(matches);
            } catch (IOException e) {
                // An unreadable directory has no candidates.
            }
        }
        return found;
    }

    static Map<String, String> byIdAliases() {
        Map<String, String> aliases = new HashMap<>();
        if (!Files.isDirectory(BY_ID)) {
            return aliases;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(BY_ID)) {
            for (Path link : entries) {
                aliases.put(realPath(link.toString()), link.toString());
            }
        } catch (IOException e) {
            // No aliases then.
        }
        return aliases;
    }

    static String realPath(String path) {
        try {
            return Path.of(path).toRealPath().toString();
        } catch (IOException | RuntimeException e) {
            return path;
        }
    }

    private static String hex(int id) {
        return id <= 0 ? null : String.format(Locale.ROOT, "%04X", id);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
