package org.openjii.mmi.openjii;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

/**
 * The fleet as metrics and words: {@code mmi_openjii_instruments{serial,thing,state}} (1 per attached MultispeQ;
 * state {@code served}, {@code cannot-connect}, or what is missing from the downloads: {@code no-credentials},
 * {@code no-config}, {@code no-credentials-and-config}) and {@code mmi_openjii_things{thing,state}} (1 per Thing of
 * the downloads; state {@code served}, {@code no-instrument}, {@code cannot-connect} or what is missing).
 */
final class FleetReports {

    private final MultiGauge instrumentGauge;
    private final MultiGauge thingGauge;

    FleetReports(MeterRegistry meters) {
        this.instrumentGauge = MultiGauge.builder("mmi.openjii.instruments")
                .description("MultispeQs attached here, by serial number, their Thing and whether it is served")
                .register(meters);
        this.thingGauge = MultiGauge.builder("mmi.openjii.things")
                .description("Things of openJII's downloads, by state")
                .register(meters);
    }

    void update(Collection<ThingState> things, Collection<OpenJiiFleet.Instrument> instruments) {
        Map<String, ThingState> byName = new LinkedHashMap<>();
        things.forEach(thing -> byName.put(thing.name, thing));
        List<MultiGauge.Row<?>> instrumentRows = new ArrayList<>();
        for (OpenJiiFleet.Instrument instrument : instruments) {
            instrumentRows.add(MultiGauge.Row.of(Tags.of("serial", instrument.info().id(), "thing", instrument
                    .thingName(), "state", instrumentState(byName.get(instrument.thingName()))), 1));
        }
        instrumentGauge.register(instrumentRows, true);
        List<MultiGauge.Row<?>> thingRows = new ArrayList<>();
        for (ThingState thing : things) {
            thingRows.add(MultiGauge.Row.of(Tags.of("thing", thing.name, "state", thingState(thing)), 1));
        }
        thingGauge.register(thingRows, true);
    }

    /** Every Thing's state and every attached instrument without a Thing, for the health check's details. */
    Map<String, String> describe(Collection<ThingState> things, Collection<OpenJiiFleet.Instrument> instruments) {
        Map<String, String> details = new LinkedHashMap<>();
        for (ThingState thing : things) {
            String state = thingState(thing);
            details.put(thing.name, switch (state) {
                case "served" -> "served for MultispeQ " + thing.instrument.id() + " at " + thing.port;
                case "cannot-connect" -> "cannot connect: " + thing.connectProblem;
                case "no-instrument" -> "no MultispeQ attached here";
                default -> "missing from the downloads: " + thing.missing();
            });
        }
        Map<String, ThingState> byName = new LinkedHashMap<>();
        things.forEach(thing -> byName.put(thing.name, thing));
        for (OpenJiiFleet.Instrument instrument : instruments) {
            ThingState thing = byName.get(instrument.thingName());
            if (thing == null || !thing.complete()) {
                details.put("instrument " + instrument.info().id(), "at " + instrument.port() + ", no Thing: download "
                        + instrument.thingName() + "'s " + (thing == null ? "credentials and config" : thing.missing())
                        + " from openJII");
            }
        }
        return details;
    }

    private static String instrumentState(ThingState thing) {
        if (thing == null) {
            return "no-credentials-and-config";
        }
        String state = thingState(thing);
        return "no-instrument".equals(state) ? "served" : state;
    }

    private static String thingState(ThingState thing) {
        if (!thing.complete()) {
            return "no-" + thing.missing().replace(' ', '-');
        }
        if (thing.connectProblem != null) {
            return "cannot-connect";
        }
        return thing.connected && thing.port != null ? "served" : "no-instrument";
    }
}
