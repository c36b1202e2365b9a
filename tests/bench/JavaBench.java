import credo.Decision;
import credo.Policy;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** make bench's Java row: Policy.decide (and decideTyped) from one thread
 * over the applications of a JSON lines file, after a warm-up pass; each
 * mode's best pass of at least REPS and at least one second in all.
 * Usage: JavaBench POLICY AS_OF INPUT EXPECTED REPS.  EXPECTED is credo
 * run's output for INPUT: the warm-up's decisions must equal it.  Prints
 * one line per mode: "RESULT mode=M n=N best_s=S best_cpu_s=C" (the
 * fastest pass's wall time, and the least CPU time of this thread in a
 * pass). */
public class JavaBench {
    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Path.of(args[2]));
        List<String> expected = Files.readAllLines(Path.of(args[3]));
        int reps = Integer.parseInt(args[4]);
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        try (Policy policy = Policy.load(args[0], args[1])) {
            int same = 0;
            for (int i = 0; i < lines.size(); i++)   // the warm-up, checked
                if (policy.decide(lines.get(i)).equals(expected.get(i)))
                    same++;
            System.out.println("CHECK n=" + lines.size() + " same=" + same);
            if (same != lines.size() || expected.size() != lines.size())
                System.exit(1);
            long sink = 0;
            for (String mode : new String[] {"decide", "typed"}) {
                if (mode.equals("typed"))
                    for (String line : lines)   // its own warm-up
                        sink += policy.decideTyped(line).reasons().size();
                double best = Double.MAX_VALUE, bestCpu = Double.MAX_VALUE, total = 0;
                for (int pass = 0; pass < reps || total < 1.0; pass++) {
                    long c0 = cpu.getCurrentThreadCpuTime();
                    long t0 = System.nanoTime();
                    if (mode.equals("decide")) {
                        for (String line : lines)
                            sink += policy.decide(line).length();
                    } else {
                        for (String line : lines) {
                            Decision d = policy.decideTyped(line);
                            sink += d.reasons().size();
                        }
                    }
                    double s = (System.nanoTime() - t0) / 1e9;
                    total += s;
                    best = Math.min(best, s);
                    bestCpu = Math.min(bestCpu, (cpu.getCurrentThreadCpuTime() - c0) / 1e9);
                }
                System.out.printf("RESULT mode=%s n=%d best_s=%.6f best_cpu_s=%.6f%n", mode, lines.size(), best, bestCpu);
            }
            if (sink == 42)
                System.out.println();   // keeps the work from being optimised away
        }
    }
}
