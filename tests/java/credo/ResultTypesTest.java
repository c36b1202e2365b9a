package credo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Every kind of result typed by the policy, on the golden policies that
 * have them: optional texts and dates (null and not), a record, a bool,
 * decimals with their scale, a text with an escaped newline. */
class ResultTypesTest {
    @Test
    void datesTextsRecordsAndNulls() throws Exception {
        String policy = Fixture.ROOT.resolve("tests/golden/lookup_tables.credo").toString();
        List<String> apps = Files.readAllLines(Fixture.ROOT.resolve("tests/golden/lookup_tables.jsonl"));
        List<String> want = Fixture.credoRun(policy, apps);
        try (Policy p = Policy.load(policy, Fixture.AS_OF)) {
            assertEquals("date?", p.results().get("watched_since"));
            for (int i = 0; i < apps.size(); i++)
                assertEquals(want.get(i), p.decide(apps.get(i)), apps.get(i));

            Decision l1 = p.decideTyped(apps.get(0));
            assertEquals("L1", l1.appId());
            assertNull(l1.result("watched_since"));
            assertNull(l1.text("watch_reason"));
            assertTrue(l1.results().containsKey("watched_since"));
            assertEquals(Long.valueOf(120), l1.result("score"));
            assertEquals("GOOD", l1.result("band"));

            Decision l2 = p.decideTyped(apps.get(1));
            assertEquals(LocalDate.of(2025, 6, 30), l2.result("watched_since"));
            assertEquals("2025-06-30", l2.text("watched_since"));
            assertEquals("fictitious VAT invoices", l2.result("watch_reason"));
            assertEquals(List.of("LISTED"), l2.reasons());
            Map<?, ?> row = (Map<?, ?>) l2.result("row");
            assertEquals("Computers, communication and other electronic equipment", row.get("name"));
            assertEquals(new BigDecimal("400000"), row.get("cap"));
            assertEquals(new BigDecimal("300000"), l2.decimal("limit"));

            Decision l3 = p.decideTyped(apps.get(2));
            assertEquals("Building construction\nand decoration", l3.result("sector_name"));
            assertThrows(IllegalArgumentException.class, () -> l3.decimal("sector_name"));
            assertThrows(IllegalArgumentException.class, () -> l3.result("no_such"));
        }
    }

    @Test
    void boolsAndScale() throws Exception {
        String policy = Fixture.ROOT.resolve("tests/golden/exact_decimal.credo").toString();
        try (Policy p = Policy.load(policy)) {
            Decision a = p.decideTyped("{\"a\":0.1,\"b\":0.2}");
            Decision b = p.decideTyped("{\"a\":0.10,\"b\":0.20}");
            assertEquals(Boolean.TRUE, a.result("exact"));
            assertEquals("0.3", a.decimal("sum").toPlainString());
            assertEquals("0.30", b.decimal("sum").toPlainString());
            assertNull(a.appId());
        }
    }

    @Test
    void parseWithoutAPolicy() {
        Decision d = Decision.parse("{\"app_id\":\"\\u5ba2\\ud83d\\ude00\",\"decision\":\"REFER\",\"reasons\":[\"A\",\"B: why\"],"
                + "\"n\":-1.50e0,\"t\":\"x\\\"y\\\\z\\/\\t\",\"l\":[1,[true,null]],\"o\":{}}");
        assertEquals("客😀", d.appId());
        assertEquals(Decision.Outcome.REFER, d.outcome());
        assertEquals(List.of("A", "B: why"), d.reasons());
        assertEquals(new BigDecimal("-1.50e0"), d.result("n"));
        assertEquals("x\"y\\z/\t", d.result("t"));
        assertEquals(List.of(new BigDecimal(1), java.util.Arrays.asList(true, null)), d.result("l"));
        assertEquals(Map.of(), d.result("o"));
        for (String bad : new String[] {"", "{", "{\"decision\":\"MAYBE\"}", "[]", "{\"decision\":\"APPROVE\"} x",
                "{\"decision\":\"APPROVE\",\"n\":1.2.3}", "{\"decision\":\"APPROVE\",\"t\":\"\\q\"}"})
            assertThrows(IllegalArgumentException.class, () -> Decision.parse(bad), bad);
    }
}
