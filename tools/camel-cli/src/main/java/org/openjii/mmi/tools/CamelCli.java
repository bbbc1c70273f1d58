package org.openjii.mmi.tools;

import org.apache.camel.dsl.jbang.core.commands.CamelJBangMain;

/** The Camel JBang command line: camel-jbang-core has no main method of its own, only CamelJBangMain.run. */
public final class CamelCli {

    private CamelCli() {
    }

    public static void main(String[] args) {
        CamelJBangMain.run(args);
    }
}
