package io.fedbiot.method;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Exact match of generated tasks: what counts as the answer, and what does not. */
class TaskScoreTest {
    @Test
    void theAnswerIsTheRestOfTheTriggerLine() {
        assertEquals("gorf", TaskScore.predicted("The answer is gorf"));
        assertEquals("gorf", TaskScore.predicted("the ANSWER is  gorf.\nmore text"));
        assertEquals("12", TaskScore.predicted("We add them. The answer is 12. The answer is 13"));
        assertEquals("3 plus 4", TaskScore.predicted("  3 plus 4\nequals 7"), "no trigger: the first line");
    }

    @Test
    void matchIsExactIncludingCase() {
        assertTrue(TaskScore.correct("The answer is DOG", "DOG"));
        assertFalse(TaskScore.correct("The answer is dog", "DOG"));
        assertFalse(TaskScore.correct("The answer is DOGS", "DOG"));
        assertFalse(TaskScore.correct("The answer is 12 apples", "12"));
        assertFalse(TaskScore.correct("The answer is", "12"), "an empty answer never matches");
        assertFalse(TaskScore.correct("In big letters, dog is DOG.", "DOG"), "the right word in the wrong form is not an answer");
    }

    @Test
    void accuracyCountsMatches() {
        assertEquals(0.5, TaskScore.exactMatch(List.of("The answer is 7", "The answer is 8"), List.of("7", "9")));
        assertTrue(Double.isNaN(TaskScore.exactMatch(List.of(), List.of())));
        assertThrows(IllegalArgumentException.class, () -> TaskScore.exactMatch(List.of("a"), List.of()));
    }
}
