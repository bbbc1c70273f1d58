package org.openjii.mmi.cli;

import java.util.concurrent.Callable;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.openjii.mmi.component.multispeq.MultispeqConstants;
import org.openjii.mmi.component.multispeq.MultispeqEndpoint;
import org.openjii.mmi.device.MultispeqException;
import org.openjii.mmi.support.DeviceJson;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mmi send}: one console command, reply printed. */
@Command(name = "send", mixinStandardHelpOptions = true, description = "Send one console command (e.g. battery, device_info) and print the reply.")
final class SendCommand implements Callable<Integer> {

    @Option(names = "--port", required = true, description = "Serial port, auto, or sim.")
    String port;

    @Option(names = "--allow", split = ",", description = "Allow commands beyond the read-only set by name (they may write or reboot).")
    String[] allow = new String[0];

    @Parameters(index = "0", description = "The command, e.g. battery or indicate+255+0+0+")
    String command;

    @Override
    public Integer call() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            context.start();
            MultispeqEndpoint endpoint = context.getEndpoint("multispeq:cli", MultispeqEndpoint.class);
            endpoint.getConfiguration().setPort(port);
            endpoint.getConfiguration().setParseJson(false);
            endpoint.getConfiguration().setAllowCommands(String.join(",", allow));
            endpoint.getConfiguration().setReconnectMaxDelay(1000);
            ProducerTemplate template = context.createProducerTemplate();
            Exchange reply = template.request(endpoint, e -> e.getIn().setBody(command));
            Exception failure = reply.getException();
            if (failure instanceof MultispeqException e) {
                System.err.println("mmi send: " + e.reason() + ": " + e.getMessage());
                return 1;
            } else if (failure != null) {
                System.err.println("mmi send: " + failure.getMessage());
                return 1;
            }
            String body = reply.getMessage().getBody(String.class);
            if ("VALID".equals(reply.getMessage().getHeader(MultispeqConstants.CRC_STATUS))) {
                body = DeviceJson.mapper()
                        .writerWithDefaultPrettyPrinter()
                        .writeValueAsString(DeviceJson.parse(body));
            }
            System.out.println(body);
            return 0;
        }
    }
}
