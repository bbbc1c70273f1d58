package org.openjii.mmi.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjii.mmi.simulator.ToolAssumptions;

/**
 * Real file systems for fault tests: a small tmpfs that fills up, a file bind-mounted read-only. Needs root (or
 * CAP_SYS_ADMIN): without it a test skips on a laptop and fails under CI, as {@link ToolAssumptions} does for tools.
 * Every mount is undone by {@link #close()}, last first.
 */
public final class Mounts implements AutoCloseable {

    private final List<Path> mounted = new ArrayList<>();

    /** Skips (or, under CI, fails) the test when this process may not mount. */
    public static void assumePrivileged() throws Exception {
        Path probe = Files.createTempDirectory("mmi-mount-probe");
        boolean allowed;
        try {
            allowed = run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", probe.toString()).isEmpty()
                    && run("umount", probe.toString()).isEmpty();
        } finally {
            Files.deleteIfExists(probe);
        }
        ToolAssumptions.assumeTool("the privilege to mount (root)", allowed);
    }

    /** Mounts a tmpfs of {@code size} ({@code 1m}, {@code 512k}) on {@code dir}, which is created. */
    public Path tmpfs(Path dir, String size) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        check(run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0777", "tmpfs", dir.toString()));
        mounted.add(dir);
        return dir;
    }

    /** Makes {@code file} read-only where it is (a read-only bind mount of it onto itself), also for root. */
    public Path readOnly(Path file) throws IOException, InterruptedException {
        check(run("mount", "--bind", file.toString(), file.toString()));
        mounted.add(file);
        check(run("mount", "-o", "remount,ro,bind", file.toString()));
        return file;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        for (int i = mounted.size() - 1; i >= 0; i--) {
            check(run("umount", mounted.get(i).toString()));
        }
        mounted.clear();
    }

    private static void check(String failure) throws IOException {
        if (!failure.isEmpty()) {
            throw new IOException(failure);
        }
    }

    /** Runs a command; returns "" on success, else its output and exit code. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return String.join(" ", command) + ": did not finish";
        }
        return process.exitValue() == 0 ? ""
                : String.join(" ", command) + ": exit " + process.exitValue() + ": "
                        + output.strip();
    }
}
