package io.fedbiot.method;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

class Gsm8kScoreTest {
    private static Optional<BigDecimal> num(String s) {
        return Optional.of(new BigDecimal(s));
    }

    private static void assertPredicted(String expected, String text) {
        Optional<BigDecimal> p = Gsm8kScore.predicted(text);
        assertTrue(p.isPresent(), "no number found in: " + text);
        assertEquals(0, p.get().compareTo(new BigDecimal(expected)), text + " -> " + p.get());
    }

    @Test
    void triggerWinsOverTheLastNumber() {
        assertPredicted("18", "She sells 16 - 3 - 4 = 9 eggs, 9 * 2 = 18. The answer is 18. Next question has 42.");
        assertPredicted("7", "the ANSWER is: 7 apples, not 8");
        // Several triggers: the first one decides.
        assertPredicted("5", "The answer is 5. Wait, the answer is 6. The answer is 7.");
        // A first trigger without a number right after still reads the first number after it.
        assertPredicted("12", "The answer is unclear. Recount: 12 cows");
    }

    @Test
    void lastNumberWithoutTrigger() {
        assertPredicted("72", "48 / 2 = 24 clips in May, 48 + 24 = 72");
        assertPredicted("3", "between 1 and 3.");
    }

    @Test
    void negativesDecimalsCommasDollars() {
        assertPredicted("-5", "The answer is -5");
        assertPredicted("-5", "The temperature ends at \u22125");
        assertPredicted("4", "pages 3-4"); // a hyphen between numbers is not a minus
        assertPredicted("1000", "The answer is $1,000.");
        assertPredicted("1234567.5", "total 1,234,567.5");
        assertPredicted("0.5", "The answer is 0.50");
        assertPredicted("12", "The answer is 12.");
        // Commas not grouping three digits separate numbers: 1,2,3 is 1, 2 and 3, the last one 3.
        assertEquals(num("3"), Gsm8kScore.predicted("1,2,3"));
    }

    @Test
    void noNumberAtAll() {
        assertTrue(Gsm8kScore.predicted("I do not know.").isEmpty());
        assertTrue(Gsm8kScore.predicted("The answer is unknown").isEmpty());
        assertTrue(Gsm8kScore.predicted("").isEmpty());
        assertFalse(Gsm8kScore.correct("no idea", "#### 5"));
        assertFalse(Gsm8kScore.correct("The answer is 5", "no reference number"));
    }

    @Test
    void referenceIsTheNumberAfterHashes() {
        assertEquals(0, Gsm8kScore.reference("Natalia sold 48/2 = <<48/2=24>>24 clips.\n#### 72").get().compareTo(new BigDecimal("72")));
        assertEquals(0, Gsm8kScore.reference("#### 1,000").get().compareTo(new BigDecimal("1000")));
        assertEquals(0, Gsm8kScore.reference("... The answer is -3").get().compareTo(new BigDecimal("-3")));
    }

    @Test
    void numericEquality() {
        assertTrue(Gsm8kScore.correct("The answer is 1000.0", "#### 1,000"));
        assertTrue(Gsm8kScore.correct("so $0.5 each", "#### 0.50"));
        assertTrue(Gsm8kScore.correct("The answer is 18.", "#### 18"));
        assertFalse(Gsm8kScore.correct("The answer is 18.5", "#### 18"));
        assertFalse(Gsm8kScore.correct("The answer is -18", "#### 18"));
    }

    @Test
    void exactMatchOverAList() {
        List<String> gen = List.of("The answer is 72", "so 10", "The answer is 5", "nothing");
        List<String> ref = List.of("#### 72", "#### 10.0", "#### 6", "#### 0");
        assertEquals(0.5, Gsm8kScore.exactMatch(gen, ref));
        assertTrue(Double.isNaN(Gsm8kScore.exactMatch(List.of(), List.of())));
        assertThrows(IllegalArgumentException.class, () -> Gsm8kScore.exactMatch(List.of("1"), List.of()));
    }
}
