package credo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** credo.Policy against credo run: the reference applicants decide exactly
 * as `credo run --as-of 2026-12-01` decides them, from four threads
 * sharing one Policy; the typed Decision says what the line says; a
 * .credoc decides as its source; explain is credo explain --json. */
class PolicyTest {
    private static Policy policy;

    @BeforeAll
    static void load() throws Exception {
        policy = Policy.load(Fixture.POLICY, Fixture.AS_OF);
    }

    @AfterAll
    static void close() {
        policy.close();
    }

    @Test
    void identity() throws Exception {
        assertEquals("sme_tax_loan", policy.name());
        assertEquals("2026.11.1", policy.version());
        assertEquals("2026-12-01", policy.effective());
        assertEquals("retail-risk", policy.owner());
        assertEquals(Fixture.AS_OF, policy.asOf());
        byte[] src = Files.readAllBytes(Path.of(Fixture.POLICY));
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(src)), policy.sha256());
        assertEquals(64, policy.programSha256().length());
        assertEquals("", policy.signedBy());
        assertEquals("text", policy.fields().get("app_id"));
        assertEquals("money?", policy.fields().get("collateral_value"));
        assertEquals("list of money", policy.fields().get("monthly_sales"));
        Map<String, String> results = new LinkedHashMap<>();
        results.put("score", "int");
        results.put("tier", "tier label");
        results.put("limit", "number");
        results.put("rate", "number");
        assertEquals(List.copyOf(results.entrySet()), List.copyOf(policy.results().entrySet()));
        String version = Fixture.credo("--version").stdout.split("\n")[0];
        assertEquals("credo " + Policy.libraryVersion(), version);
    }

    @Test
    void fourThreadsDecideAsCredoRun() throws Exception {
        List<String> lines = Fixture.applicants();
        List<String> want = Fixture.expected();
        assertEquals(lines.size(), want.size());
        String[] got = new String[lines.size()];
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                int first = k;
                done.add(pool.submit(() -> {
                    for (int pass = 0; pass < 3; pass++)   // every thread on its own session, passes overlapping
                        for (int i = first; i < lines.size(); i += 4)
                            got[i] = policy.decide(lines.get(i));
                }));
            }
            for (Future<?> f : done)
                f.get();
        } finally {
            pool.shutdown();
        }
        for (int i = 0; i < got.length; i++)
            assertEquals(want.get(i), got[i], "applicant line " + (i + 1));
    }

    @Test
    void decideLinesIsCredoRun() throws Exception {
        String input = String.join("\n", Fixture.applicants()) + "\n";
        assertEquals(String.join("\n", Fixture.expected()) + "\n", policy.decideLines(input));
    }

    // the results as credo run writes them, read here without the binding's JSON reader
    private static final Pattern LINE = Pattern.compile(
            "\\{\"app_id\":\"([^\"]*)\",\"decision\":\"([A-Z]+)\",\"reasons\":\\[([^]]*)\\],"
            + "\"score\":(-?\\d+),\"tier\":\"([A-Z]+)\",\"limit\":(-?[0-9.]+),\"rate\":(-?[0-9.]+)\\}");

    @Test
    void typedDecisionSaysWhatTheLineSays() throws Exception {
        List<String> lines = Fixture.applicants();
        List<String> want = Fixture.expected();
        int approved = 0, refused = 0, referred = 0;
        for (int i = 0; i < lines.size(); i++) {
            Decision d = policy.decideTyped(lines.get(i));
            String line = want.get(i);
            assertEquals(line, d.json());
            Matcher m = LINE.matcher(line);
            assertTrue(m.matches(), line);
            assertEquals(m.group(1), d.appId());
            assertEquals(Decision.Outcome.valueOf(m.group(2)), d.outcome());
            List<String> reasons = new ArrayList<>();
            if (!m.group(3).isEmpty())
                for (String r : m.group(3).split(","))
                    reasons.add(r.substring(1, r.length() - 1));
            assertEquals(reasons, d.reasons());
            assertEquals(List.of("score", "tier", "limit", "rate"), List.copyOf(d.results().keySet()));
            assertEquals(Long.valueOf(m.group(4)), d.result("score"));
            assertEquals(m.group(5), d.result("tier"));
            assertEquals(m.group(5), d.text("tier"));
            assertEquals(new BigDecimal(m.group(6)), d.result("limit"));   // equals: value and scale
            assertEquals(new BigDecimal(m.group(7)), d.decimal("rate"));
            assertEquals(m.group(7), d.decimal("rate").toPlainString());
            assertNull(d.error());
            switch (d.outcome()) {
            case APPROVE: approved++; break;
            case REJECT: refused++; break;
            case REFER: referred++; break;
            default: throw new AssertionError(line);
            }
        }
        assertEquals(lines.size(), approved + refused + referred);
        assertTrue(approved > 0 && refused > 0 && referred > 0, "every outcome is exercised");
        // Decision.parse alone: the same outcome, reasons and values, numbers as BigDecimal
        Decision untyped = Decision.parse(want.get(0));
        assertEquals(new BigDecimal(Long.toString((Long) policy.decideTyped(lines.get(0)).result("score"))),
                untyped.result("score"));
    }

    @Test
    void compiledPolicyDecidesAsItsSource(@TempDir Path tmp) throws Exception {
        String credoc = tmp.resolve("sme.credoc").toString();
        Fixture.Result r = Fixture.credo("compile", Fixture.POLICY, "-o", credoc);
        assertEquals(0, r.exit, r.stderr);
        try (Policy compiled = Policy.load(credoc, Fixture.AS_OF)) {
            assertEquals(policy.programSha256(), compiled.programSha256());
            assertEquals(policy.results(), compiled.results());
            assertEquals(String.join("\n", Fixture.expected()) + "\n",
                    compiled.decideLines(String.join("\n", Fixture.applicants()) + "\n"));
        }
    }

    @Test
    void explainIsCredoExplainJson() throws Exception {
        for (int n : new int[] {1, 2, 17}) {
            Fixture.Result r = Fixture.credo("explain", "--json", "--as-of", Fixture.AS_OF, "--line",
                    Integer.toString(n), Fixture.POLICY, Fixture.ROOT.resolve("tests/reference/applicants.jsonl").toString());
            assertEquals(0, r.exit, r.stderr);
            assertEquals(r.stdout.strip(), policy.explain(Fixture.applicants().get(n - 1)));
        }
    }

    @Test
    void aNewlineInTheApplicationIsWhitespace() throws Exception {
        String line = Fixture.applicants().get(3);
        String pretty = line.replace(",\"", ",\n  \"").replace("{", "{\n  ").replace("}", "\n}\n");
        assertTrue(pretty.contains("\n"));
        assertEquals(Fixture.expected().get(3), policy.decide(pretty));
    }
}
