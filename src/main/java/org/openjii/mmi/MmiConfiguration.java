package org.openjii.mmi;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.util.TimeUtils;
import org.openjii.mmi.routes.DeviceRouteManager;

/**
 * Wiring that YAML cannot express: the device route manager, configured from {@code mmi.device.*}. Loaded by name
 * ({@code camel.main.configuration-classes}), so {@code camel run} picks it up too.
 */
public class MmiConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext context) throws Exception {
        PropertiesComponent properties = context.getPropertiesComponent();
        DeviceRouteManager devices = new DeviceRouteManager();
        devices.setCamelContext(context);
        devices.setPorts(properties.resolveProperty("mmi.device.port").orElse("sim"));
        devices.setName(properties.resolveProperty("mmi.device.name").orElse("multispeq"));
        devices.setAll(Boolean.parseBoolean(properties.resolveProperty("mmi.device.all").orElse("false")));
        properties.resolveProperty("mmi.device.scan-patterns").ifPresent(devices::setScanPatterns);
        devices.setScanIntervalMillis(
                TimeUtils.toMilliSeconds(properties.resolveProperty("mmi.device.scan-interval").orElse("30s")));
        context.addService(devices);
        context.addStartupListener(devices);
    }
}
