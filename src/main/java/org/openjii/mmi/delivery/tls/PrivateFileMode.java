package org.openjii.mmi.delivery.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * Refuses a file holding a secret (a private key, a zip with one inside, a password or token) that users other than
 * its owner and group may read, or that its group may change, as OpenSSH refuses an unprotected key: whoever reads it
 * can connect as this bridge. Group read stays allowed, as Kubernetes mounts a Secret for the pod's fsGroup (mode
 * 0440). File systems without POSIX modes are not checked.
 */
public final class PrivateFileMode {

    private PrivateFileMode() {
    }

    /**
     * @param what the file's content for the sentence, e.g. {@code the private key}
     * @return why the file is too open, with the command that fixes it; {@code null} when it is not
     */
    public static String problem(Path file, String what) {
        Set<PosixFilePermission> permissions;
        try {
            permissions = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException | IOException e) {
            return null;
        }
        Set<PosixFilePermission> tooOpen = EnumSet.of(PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
        tooOpen.retainAll(permissions);
        if (tooOpen.isEmpty()) {
            return null;
        }
        return what + " is " + (permissions.contains(PosixFilePermission.OTHERS_READ)
                ? "readable by every user of this machine"
                : "open to other users") + " (mode " + PosixFilePermissions.toString(permissions)
                + "), and whoever reads it can connect as this bridge; allow only its owner (chmod 600 " + file
                + ") or also its group (chmod 640; a Kubernetes Secret: defaultMode 0440)";
    }
}
