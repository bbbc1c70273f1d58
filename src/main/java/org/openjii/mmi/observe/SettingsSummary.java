package org.openjii.mmi.observe;

import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.support.CamelContextHelper;
import org.apache.camel.util.OrderedLocationProperties;
import org.apache.camel.util.SensitiveUtils;
import org.apache.camel.util.URISupport;
import org.openjii.mmi.support.MmiVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up summary of the settings in force: every {@code mmi.*} and {@code camel.*} key with its value and where
 * it came from. Written here rather than left to Camel Main's property summary, which masks every key whose last
 * part is on Camel's list of sensitive words, and that list has {@code clientid} (for OAuth client ids): it hid
 * {@code mmi.mqtt.client-id}, the Thing name, the one value an operator most needs to see. Real secrets (passwords,
 * tokens, keys, the password in a URL) stay masked by that same list.
 */
public final class SettingsSummary {

    /** Keys on Camel's sensitive list that name an identity, not a secret. */
    private static final Set<String> SHOWN = Set.of("mmi.mqtt.client-id", "mmi.mqtt.username");
    private static final String MASK = "xxxxxx";
    private static final Logger LOG = LoggerFactory.getLogger(SettingsSummary.class);

    private SettingsSummary() {
    }

    /** Logs the summary at INFO, one line per key. */
    public static void log(CamelContext context) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        PropertiesComponent properties = context.getPropertiesComponent();
        Properties loaded = properties.loadProperties();
        LOG.info("mmi {}: settings in force (where each comes from)", MmiVersion.get());
        for (String key : new TreeSet<>(loaded.stringPropertyNames())) {
            if (key.startsWith("mmi.") || key.startsWith("camel.")) {
                String value = properties.resolveProperty(key).orElse("");
                String where = loaded instanceof OrderedLocationProperties located ? located.getLocation(key) : null;
                LOG.info("    {} = {}{}", key, masked(context, key, value), where == null ? "" : "  [" + where + "]");
            }
        }
    }

    /**
     * A value as it may be shown: {@value #MASK} for a key Camel considers sensitive (password, token, secret, ...)
     * unless it names an identity (the client id), and a URL's password replaced ({@code tcp://user:xxxxxx@host}).
     *
     * @param context for the sensitive words it adds to Camel's list; null: Camel's list alone
     */
    public static String masked(CamelContext context, String key, String value) {
        if (!SHOWN.contains(key) && (context == null ? SensitiveUtils.containsSensitive(key)
                : CamelContextHelper.containsSensitive(context, key))) {
            return MASK;
        }
        return value.contains("://") ? URISupport.sanitizeUri(value) : value;
    }
}
