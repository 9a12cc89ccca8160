package io.liverseg.localstack;

import java.util.Map;
import java.util.TreeMap;

/**
 * A test's reading of a service's Prometheus endpoint ({@code /q/metrics}, text exposition format, as the test
 * fetched it): the value of one series, found by its name and exact labels.
 */
public final class MetricsScrape {
    private final String text;

    private MetricsScrape(String text) {
        this.text = text;
    }

    /** The exposition text as given. */
    public static MetricsScrape parse(String exposition) {
        return new MetricsScrape(exposition);
    }

    /**
     * The value of the series {@code name} whose labels are exactly {@code labels} ({@code "k", "v", …}), or 0 when
     * there is none: a counter that never counted is not exposed yet.
     */
    public double value(String name, String... labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name, value pairs");
        }
        Map<String, String> wanted = new TreeMap<>();
        for (int i = 0; i < labels.length; i += 2) {
            wanted.put(labels[i], labels[i + 1]);
        }
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(name)) {
                continue;
            }
            String rest = line.substring(name.length());
            Map<String, String> found = new TreeMap<>();
            if (rest.startsWith("{")) {
                int end = rest.indexOf('}');
                for (String pair : rest.substring(1, end).split(",")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0) {
                        found.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim().replaceAll("^\"|\"$", ""));
                    }
                }
                rest = rest.substring(end + 1);
            } else if (!rest.startsWith(" ")) {
                continue; // another metric whose name starts with this one
            }
            if (found.equals(wanted)) {
                return Double.parseDouble(rest.trim().split("\\s+")[0]);
            }
        }
        return 0;
    }
}
