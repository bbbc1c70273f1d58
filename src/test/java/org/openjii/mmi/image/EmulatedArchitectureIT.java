package org.openjii.mmi.image;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openjii.mmi.simulator.ToolAssumptions;
import org.testcontainers.containers.GenericContainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The product image of the other architecture (arm64 on an amd64 machine, the lab gateways' kind) run as the pod runs
 * it under qemu-user emulation ({@code bin/enable-emulation}): its JVM starts, opens the pty with jSerialComm's native
 * library for that architecture, delivers over mutual TLS and reports ready.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class EmulatedArchitectureIT {

    @TempDir
    Path dir;

    private PodFixture pod;
    private String arch;

    @BeforeEach
    void setUp() throws Exception {
        arch = ProductImage.hostArch().equals("amd64") ? "arm64" : "amd64";
        String qemu = arch.equals("arm64") ? "aarch64" : "x86_64";
        ToolAssumptions.assumeTool("emulation of " + arch + " (bin/enable-emulation " + arch + ")", Files.exists(Path
                .of("/proc/sys/fs/binfmt_misc/qemu-" + qemu)));
        PodFixture.assumeTools(arch);
        pod = PodFixture.start(arch, dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (pod != null) {
            pod.close();
        }
    }

    @Test
    void shouldStartAndBeReadyUnderEmulation() throws Exception {
        long start = System.nanoTime();
        GenericContainer<?> bridge = pod.startBridge();
        assertThat(bridge.execInContainer("uname", "-m").getStdout().strip()).isEqualTo(arch.equals("arm64")
                ? "aarch64"
                : "x86_64");

        await().atMost(Duration.ofMinutes(5)).until(() -> !pod.receivedIds().isEmpty());
        await().atMost(Duration.ofMinutes(2)).until(() -> ProductImage.status(bridge, "/observe/health/ready") == 200);
        assertThat(pod.broker.logText()).contains("u'" + PodFixture.CLIENT_ID + "'");
        System.out.printf("Product image (%s) under emulation: data at the broker and ready %d s after docker run%n",
                arch, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
    }
}
