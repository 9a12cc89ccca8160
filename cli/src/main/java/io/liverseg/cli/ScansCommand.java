package io.liverseg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.liverseg.cli.stack.IngestClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.http.HttpConnectTimeoutException;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code liverseg scans}: the scans an ingest-service knows, newest first, with their status (GET /api/scans). */
@Command(name = "scans", mixinStandardHelpOptions = true,
        description = {"List the scans an ingest-service knows, most recently stored first, with their status",
            "(GET /api/scans). Sends $LIVERSEG_TOKEN as a bearer token when it is set.",
            "Exit codes: 0 done, 2 refused (4xx: a bad --status, --limit or --cursor, or no valid token), 3 try again",
            "later (503, or the server cannot be reached), 1 anything else."})
final class ScansCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--server", defaultValue = "http://127.0.0.1:8080",
            description = "Base URL of ingest-service. Default ${DEFAULT-VALUE}.")
    String server;

    @Option(names = "--status", description = "Only scans with this status: preprocessing, inferring, mask_ready,"
            + " failed.")
    String status;

    @Option(names = "--limit", description = "Scans per page, 1 to 200 (default: the server's, 20).")
    Integer limit;

    @Option(names = "--cursor", description = "Start at this page (a previous listing's next).")
    String cursor;

    @Option(names = "--all", description = "Follow the pages to the end of the list.")
    boolean all;

    @Option(names = "--json", description = "Print one JSON object: {\"scans\": [...], \"next\": ...}.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        IngestClient client = new IngestClient(server.replaceAll("/+$", ""),
                System.getenv(SegmentationClient.TOKEN_ENV));
        ArrayNode scans = JSON.createArrayNode();
        String next = cursor;
        do {
            IngestClient.Answer a;
            try {
                a = client.list(status, limit, next);
            } catch (ConnectException | HttpConnectTimeoutException e) {
                err.println("scans: cannot reach " + server + ": " + e);
                err.flush();
                return SegmentationClient.EXIT_RETRY;
            }
            if (a.status() != 200) {
                err.println("scans: " + server + " answered " + a.status() + ": " + detail(a));
                err.flush();
                return a.status() == 503 ? SegmentationClient.EXIT_RETRY
                        : a.status() / 100 == 4 ? LiversegCli.EXIT_BAD_INPUT : 1;
            }
            JsonNode page = a.json();
            page.path("scans").forEach(scans::add);
            next = page.path("next").isTextual() ? page.get("next").asText() : null;
        } while (all && next != null);
        if (json) {
            ObjectNode o = JSON.createObjectNode();
            o.set("scans", scans);
            o.put("next", next);
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o));
        } else {
            out.printf(Locale.ROOT, "%-24s  %-12s  %-13s  %-28s  %s%n", "STORED", "SCAN", "STATUS", "PROGRESS", "FILE");
            for (JsonNode s : scans) {
                out.printf(Locale.ROOT, "%-24s  %-12s  %-13s  %-28s  %s%n", s.path("stored_at").asText(),
                        s.path("id").asText().substring(0, Math.min(12, s.path("id").asText().length())),
                        s.path("status").asText(), shorten(s.path("progress").asText(), 28),
                        s.path("file_name").asText("-"));
            }
            if (next != null) {
                out.println("more: --cursor " + next);
            }
        }
        out.flush();
        return 0;
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    private static String detail(IngestClient.Answer a) {
        try {
            JsonNode p = a.json();
            return p.path("detail").asText(a.text());
        } catch (IOException e) {
            return a.text();
        }
    }
}
