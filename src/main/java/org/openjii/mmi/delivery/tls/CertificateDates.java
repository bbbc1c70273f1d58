package org.openjii.mmi.delivery.tls;

import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/** The validity period of a certificate, told in the words of a startup message. */
final class CertificateDates {

    private CertificateDates() {
    }

    /**
     * Why {@code certificate} is not valid at {@code now}, or empty. The clock is named too: a device without a
     * battery-backed clock that boots in 1970 sees every certificate as not yet valid.
     */
    static Optional<String> problem(X509Certificate certificate, String what, Instant now) {
        Instant notBefore = certificate.getNotBefore().toInstant();
        Instant notAfter = certificate.getNotAfter().toInstant();
        String clock = " (this machine's clock says " + now.truncatedTo(ChronoUnit.SECONDS) + ")";
        if (now.isAfter(notAfter)) {
            return Optional.of(what + " " + subject(certificate) + " expired on " + notAfter + clock);
        }
        if (now.isBefore(notBefore)) {
            return Optional.of(what + " " + subject(certificate) + " is not valid before " + notBefore + clock);
        }
        return Optional.empty();
    }

    /** The subject as {@code CN=...,O=...}, for messages and the startup log. */
    static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName();
    }
}
