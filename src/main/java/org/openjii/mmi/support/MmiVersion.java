package org.openjii.mmi.support;

/** The bridge's version, from the jar manifest (a development build has none). */
public final class MmiVersion {

    private MmiVersion() {
    }

    public static String get() {
        String version = MmiVersion.class.getPackage().getImplementationVersion();
        return version == null ? "development" : version;
    }
}
