/**
 * Remote control over MQTT without the MQTT: the request and response model of the command topic, for the command
 * route ({@code routes/commands.camel.yaml}).
 * <ul>
 * <li>{@link org.openjii.mmi.control.CommandRequests#parse} reads a request ({@code schemas/mmi-command-request
 * .schema.json}) into a {@link org.openjii.mmi.control.CommandRequest}: a console command, a protocol run, cancel
 * or status; anything malformed is a {@link org.openjii.mmi.control.BadCommandRequestException}
 * ({@code bad-request}).</li>
 * <li>{@link org.openjii.mmi.control.CommandRequest#checkAllowed} applies the device's
 * {@link org.openjii.mmi.device.CommandPolicy} (deny by default) and a protocol's questions.</li>
 * <li>{@link org.openjii.mmi.control.CommandResponse} is the answer ({@code schemas/mmi-command-response
 * .schema.json}); any failure maps to its reason code.</li>
 * <li>{@link org.openjii.mmi.control.CommandTopics} renders and checks the command, response and status topics, and
 * the response topic a request asks for.</li>
 * <li>{@link org.openjii.mmi.control.ParseCommandRequest} and {@link org.openjii.mmi.control.BuildCommandResponse}
 * are the two as route steps.</li>
 * </ul>
 */
package org.openjii.mmi.control;
