package io.liverseg.ingest;

import io.liverseg.storage.ObjectKeys;

/** Ends a request with a {@link Problem} body (see {@link ProblemMappers}). */
public class ProblemException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Problem problem;

    public ProblemException(Problem problem) {
        super(problem.detail());
        this.problem = problem;
    }

    public ProblemException(Problem problem, Throwable cause) {
        super(problem.detail(), cause);
        this.problem = problem;
    }

    /** 404 for an id that cannot be a scan's (64 lower-case hex digits, the SHA-256 of its bytes). */
    static void requireScanId(String id) {
        if (!ObjectKeys.isScanId(id)) {
            throw new ProblemException(Problem.notFound("no scan " + id + ": a scan id is 64 lower-case hex digits"));
        }
    }

    public Problem problem() {
        return problem;
    }
}
