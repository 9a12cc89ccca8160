package io.liverseg.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Deletes a scan's intermediates under {@code work/{scan}/} once nothing needs them: the mask parts of a task's
 * model version as soon as its mask is stored (its {@code mask-ready.json} written), and the slice batches once
 * every batch plan that reads them has its mask. One preprocessing pass stores its batches once, in the first
 * task's folder, for all the tasks that preprocess alike; each plan names that folder ({@code batches_prefix} in
 * {@code batches.json}; a plan without it reads its own folder), so the last of those tasks to finish deletes them.
 *
 * <p>What stays is a few hundred bytes a task: {@code batches.json} (the status reads it) and
 * {@code mask-ready.json} (redeliveries stop there, so they never look for a deleted batch). A scan that failed
 * keeps its work until it is sent again and finishes. Two tasks finishing at once cannot both miss each other:
 * each writes its marker before it lists, so the later listing sees both.
 */
public final class WorkCleanup {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What one call did.
     *
     * @param partsDeleted   mask parts deleted
     * @param batchesDeleted slice batches deleted
     * @param waitingFor     the plans ({@code task/version}) that still read the batches, which were therefore kept
     */
    public record Outcome(int partsDeleted, int batchesDeleted, List<String> waitingFor) {
    }

    private final ObjectStore store;

    public WorkCleanup(ObjectStore store) {
        this.store = store;
    }

    /** The folder of a batch object: what a plan names as {@code batches_prefix}. */
    public static String batchesPrefixOf(String batchKey) {
        int slash = batchKey.lastIndexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not a batch key: " + batchKey);
        }
        return batchKey.substring(0, slash + 1);
    }

    /**
     * Called after the mask of {@code task} and {@code version} is stored and its marker written.
     *
     * @param batchesPrefix the folder its batches were read from ({@link #batchesPrefixOf} of a tensor key)
     */
    public Outcome afterMask(String scan, String task, String version, String batchesPrefix) {
        String scanWork = ObjectKeys.WORK + scan + "/";
        String own = ObjectKeys.workPrefix(scan, task, version);
        String partPrefix = ObjectKeys.partPrefix(scan, task, version);
        // one listing serves both steps: deleting the parts changes no plan or marker
        List<String> keys = store.list(scanWork);
        List<String> parts = new ArrayList<>();
        for (String key : keys) {
            if (key.startsWith(partPrefix) && key.endsWith(".lsm")) {
                parts.add(key);
            }
        }
        store.deleteAll(parts);
        if (!batchesPrefix.startsWith(scanWork)) {
            // never delete outside this scan's work folder, whatever an event says
            return new Outcome(parts.size(), 0, List.of());
        }
        Set<String> present = new HashSet<>(keys);
        List<String> waiting = new ArrayList<>();
        for (String key : keys) {
            if (!key.endsWith("/" + ObjectKeys.BATCH_PLAN_FILE)) {
                continue;
            }
            String folder = key.substring(0, key.length() - ObjectKeys.BATCH_PLAN_FILE.length());
            if (folder.equals(own) || present.contains(folder + ObjectKeys.MASK_READY_FILE)) {
                continue;
            }
            if (readsFrom(key, folder).equals(batchesPrefix)) {
                waiting.add(folder.substring(scanWork.length(), folder.length() - 1));
            }
        }
        if (!waiting.isEmpty()) {
            return new Outcome(parts.size(), 0, List.copyOf(waiting));
        }
        List<String> batches = new ArrayList<>();
        for (String key : keys) {
            if (key.startsWith(batchesPrefix) && key.endsWith(".lsb")
                    && key.indexOf('/', batchesPrefix.length()) < 0) {
                batches.add(key);
            }
        }
        store.deleteAll(batches);
        return new Outcome(parts.size(), batches.size(), List.of());
    }

    /** The batches_prefix of a plan, or its own folder when it names none (or cannot be read as JSON). */
    private String readsFrom(String planKey, String folder) {
        Optional<byte[]> bytes = store.get(planKey);
        if (bytes.isEmpty()) {
            return folder;
        }
        try {
            JsonNode prefix = JSON.readTree(bytes.get()).get("batches_prefix");
            return prefix != null && prefix.isTextual() && !prefix.asText().isEmpty() ? prefix.asText() : folder;
        } catch (IOException e) {
            return folder;
        }
    }
}
