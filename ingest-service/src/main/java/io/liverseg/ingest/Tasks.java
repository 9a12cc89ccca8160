package io.liverseg.ingest;

import io.liverseg.proto.SegmentationTasks;
import java.util.List;

/** The segmentation task a request names (query parameter {@code task}, form part {@code label_task}). */
final class Tasks {
    /**
     * The task a request means when it names none. Uploaded labels follow its convention (Task03: 1 liver,
     * 2 tumour) unless {@code label_task} says otherwise.
     */
    static final String DEFAULT = SegmentationTasks.DEFAULT;

    private Tasks() {
    }

    /**
     * The named task, or {@link #DEFAULT} when none is named.
     *
     * @throws ProblemException 400 naming {@code field} when the task is not one of {@code tasks}
     */
    static String resolve(String given, List<String> tasks, String field) {
        String t = given == null || given.isBlank() ? DEFAULT : given;
        if (!tasks.contains(t)) {
            throw new ProblemException(Problem.badRequest("unknown task '" + t + "' in '" + field + "'; tasks: " + tasks,
                    null, field));
        }
        return t;
    }
}
