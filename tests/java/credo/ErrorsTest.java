package credo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Policies that do not load are CredoExceptions with the compiler's
 * file:line:col; applications that cannot be decided are ERROR decisions
 * with credo run's message, never exceptions; limits and dates out of
 * range are IllegalArgumentExceptions. */
class ErrorsTest {
    @Test
    void aPolicyThatDoesNotCompile(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad.credo");
        Files.writeString(bad, "policy p\ninput a { x: int }\ny = x +\n");
        CredoException e = assertThrows(CredoException.class, () -> Policy.load(bad.toString()));
        assertEquals(CredoException.Kind.COMPILE, e.kind());
        assertEquals(bad.toString(), e.file());
        assertEquals(3, e.line());
        assertEquals(8, e.column());
        // the first line credo check writes
        Fixture.Result check = Fixture.credo("check", bad.toString());
        assertEquals(1, check.exit);
        assertEquals((check.stdout + check.stderr).split("\n")[0], e.getMessage());
        assertEquals(bad + ":3:8: error: unexpected end of file", e.getMessage());
    }

    @Test
    void aPolicyThatCannotBeRead(@TempDir Path tmp) throws Exception {
        String missing = tmp.resolve("missing.credo").toString();
        CredoException e = assertThrows(CredoException.class, () -> Policy.load(missing));
        assertEquals(CredoException.Kind.IO, e.kind());
        assertEquals("cannot read " + missing + ": No such file or directory", e.getMessage());
    }

    @Test
    void aDamagedCompiledPolicy(@TempDir Path tmp) throws Exception {
        String credoc = tmp.resolve("sme.credoc").toString();
        assertEquals(0, Fixture.credo("compile", Fixture.POLICY, "-o", credoc).exit);
        byte[] b = Files.readAllBytes(Path.of(credoc));
        b[b.length / 2] ^= 1;
        Files.write(Path.of(credoc), b);
        CredoException e = assertThrows(CredoException.class, () -> Policy.load(credoc));
        assertEquals(CredoException.Kind.COMPILE, e.kind());
        assertTrue(e.getMessage().contains("changed after it was compiled"), e.getMessage());
    }

    private static final Pattern ERROR_LINE =
            Pattern.compile("\\{\"app_id\":(null|\"[^\"]*\"),\"line\":1,\"decision\":\"ERROR\",\"error\":\"(.*)\"\\}");

    @Test
    void badApplicationsAreErrorDecisions() throws Exception {
        List<String> bad = List.of("{\"app_id\":\"B1\",\"age\":\"forty\"}", "not json", "", "{\"app_id\":\"B2\"}",
                "{\"app_id\":\"客户😀\",\"age\":\"x\"}", "{\"app_id\":\"B3\",\"age\":1e400}", "[1,2]");
        try (Policy p = Policy.load(Fixture.POLICY, Fixture.AS_OF)) {
            for (String app : bad) {
                // what credo run writes for the application alone on its line 1
                String want = Fixture.credoRun(Fixture.POLICY, List.of(app)).get(0);
                assertEquals(want, p.decide(app), app);
                Decision d = p.decideTyped(app);
                assertEquals(want, d.json());
                Matcher m = ERROR_LINE.matcher(want);
                assertTrue(m.matches(), want);
                assertEquals(Decision.Outcome.ERROR, d.outcome());
                assertTrue(d.isError());
                assertEquals(m.group(2).replace("\\\"", "\""), d.error());
                assertEquals(1, d.line());
                assertEquals(List.of(), d.reasons());
                assertEquals(Map.of(), d.results());
                assertThrows(IllegalArgumentException.class, () -> d.result("score"));
                String id = m.group(1).equals("null") ? null : m.group(1).substring(1, m.group(1).length() - 1);
                assertEquals(id, d.appId());
            }
            assertEquals("age: expected int, got text", p.decideTyped(bad.get(0)).error());
            assertEquals("age: required field is missing", p.decideTyped(bad.get(3)).error());
            assertEquals("客户😀", p.decideTyped(bad.get(4)).appId());
            // explain refuses an ERROR with credo run's message
            CredoException e = assertThrows(CredoException.class, () -> p.explain(bad.get(3)));
            assertEquals(CredoException.Kind.INPUT, e.kind());
            assertEquals("age: required field is missing", e.getMessage());
        }
    }

    @Test
    void aRunTimeErrorIsAnErrorDecision(@TempDir Path tmp) throws Exception {
        Path div = tmp.resolve("div.credo");
        Files.writeString(div, "policy p\ninput a { x: int }\ny = 10 / x\n", StandardCharsets.UTF_8);
        try (Policy p = Policy.load(div.toString())) {
            String app = "{\"app_id\":\"Z\",\"x\":0}";
            assertEquals(Fixture.credoRun(div.toString(), List.of(app)).get(0), p.decide(app));
            Decision d = p.decideTyped(app);
            assertEquals(Decision.Outcome.ERROR, d.outcome());
            assertEquals(div + ":3:5: division by zero (in y)", d.error());
            Decision fine = p.decideTyped("{\"app_id\":\"Y\",\"x\":4}");
            assertEquals(Decision.Outcome.APPROVE, fine.outcome());
            assertEquals("2.5", fine.decimal("y").toPlainString());
        }
    }

    @Test
    void limitsAndDates() throws Exception {
        String first = Fixture.applicants().get(0);
        try (Policy low = Policy.load(Fixture.POLICY, Fixture.AS_OF, Map.of("max_instructions", 10L))) {
            Decision d = low.decideTyped(first);
            assertEquals(Decision.Outcome.ERROR, d.outcome());
            assertTrue(d.error().contains("instruction budget of 10 exceeded"), d.error());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Policy.load(Fixture.POLICY, null, Map.of("max_instructions", 2000000000L)));
        assertTrue(e.getMessage().contains("instruction budget 2000000000 is more than the maximum, 1000000000"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Policy.load(Fixture.POLICY, null, Map.of("json_max_depth", 5000000000L)));
        assertTrue(e.getMessage().contains("JSON depth limit 5000000000 is more than the maximum, 1000"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Policy.load(Fixture.POLICY, null, Map.of("budget", 5L)));
        assertTrue(e.getMessage().contains("unknown limit 'budget'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Policy.load(Fixture.POLICY, "2026-13-01"));
        assertTrue(e.getMessage().contains("not a date"), e.getMessage());
    }
}
