package credo;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the Java tests share: the reference policy, its 5,000 applicants
 * (or the first credo.test.applicants), and the credo command they are
 * compared with (the system property credo.command). */
final class Fixture {
    private Fixture() {}

    static final Path ROOT = Path.of(System.getProperty("credo.root", ".")).toAbsolutePath().normalize();
    static final String POLICY = ROOT.resolve("policies/sme_tax_loan.credo").toString();
    static final String AS_OF = "2026-12-01";
    static final String CREDO = System.getProperty("credo.command", ROOT.resolve("build/credo").toString());

    private static List<String> applicants;
    private static List<String> expected;

    /** The reference applicants' lines. */
    static synchronized List<String> applicants() throws IOException {
        if (applicants == null) {
            List<String> all = Files.readAllLines(ROOT.resolve("tests/reference/applicants.jsonl"));
            int n = Integer.parseInt(System.getProperty("credo.test.applicants", "5000"));
            applicants = List.copyOf(all.subList(0, Math.min(n, all.size())));
        }
        return applicants;
    }

    /** credo run's decision lines for the reference applicants. */
    static synchronized List<String> expected() throws Exception {
        if (expected == null)
            expected = List.copyOf(credoRun(POLICY, applicants()));
        return expected;
    }

    /** credo run --as-of AS_OF [args] policy over lines: its decision lines. */
    static List<String> credoRun(String policy, List<String> lines, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CREDO, "run", "--as-of", AS_OF));
        cmd.addAll(List.of(args));
        cmd.add(policy);
        File in = File.createTempFile("credo-java", ".jsonl");
        try {
            Files.write(in.toPath(), lines, StandardCharsets.UTF_8);
            Result r = run(cmd, in);
            if (r.exit != 0 && r.exit != 3)
                throw new AssertionError("credo run exited " + r.exit + ": " + r.stderr);
            if (r.stdout.isEmpty())
                return List.of();
            if (!r.stdout.endsWith("\n"))
                throw new AssertionError("credo run's output does not end with a newline");
            return List.of(r.stdout.substring(0, r.stdout.length() - 1).split("\n", -1));
        } finally {
            in.delete();
        }
    }

    static final class Result {
        final int exit;
        final String stdout;
        final String stderr;

        Result(int exit, String stdout, String stderr) {
            this.exit = exit;
            this.stdout = stdout;
            this.stderr = stderr;
        }
    }

    /** Runs a command (stdin from a file, or none): its exit status and output. */
    static Result run(List<String> cmd, File stdin) throws Exception {
        File out = File.createTempFile("credo-java", ".out");
        File err = File.createTempFile("credo-java", ".err");
        try {
            ProcessBuilder b = new ProcessBuilder(cmd).redirectOutput(out).redirectError(err);
            if (stdin != null)
                b.redirectInput(stdin);
            int exit = b.start().waitFor();
            return new Result(exit, Files.readString(out.toPath()), Files.readString(err.toPath()));
        } finally {
            out.delete();
            err.delete();
        }
    }

    static Result credo(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CREDO));
        cmd.addAll(List.of(args));
        return run(cmd, null);
    }
}
