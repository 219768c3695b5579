package io.fedbiot.method;

import io.fedbiot.data.Batch;

import io.fedbiot.engine.io.Checkpoint;
import io.fedbiot.engine.model.LoraConfig;
import io.fedbiot.engine.model.LoraTarget;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class DropoutStudyTest {
    @Test
    void moreDropMeansAFartherEmulatorAndAlignmentClosesTheGap() throws Exception {
        try (Checkpoint ck = Checkpoint.load(TestData.shared("models/stories260K.bin"))) {
            int[] tokens = TestData.storyTokens();
            int cut = tokens.length * 4 / 5;
            List<Batch> heldOut = TestData.fixed(tokens, cut, tokens.length, 2, 4, 32, 3);
            var align = new Alignment.Settings(15, 3e-3f, 0.9f, 0.95f, 0f, 1f, false, true);
            List<DropoutStudy.Result> r = DropoutStudy.run(ck.weights(), 1, new double[]{0.0, 0.5}, List.of(Method.FEDBIOT),
                    new LoraConfig(4, 8f, 0f, EnumSet.allOf(LoraTarget.class)), TestData.windows(tokens, 0, cut, 4, 32, 4),
                    heldOut, align, 2, 5, null);
            assertEquals(2, r.size());
            DropoutStudy.Result none = r.get(0), half = r.get(1);
            assertArrayEquals(new int[]{0, 1, 2, 3}, none.split().kept());
            assertEquals(0.0, none.before().nmse(), 1e-9, "nothing dropped, fresh LoRA: the emulator is the teacher");
            assertEquals(0.0, none.before().kl(), 1e-6);
            assertArrayEquals(new int[]{0, 3}, half.split().kept());
            assertTrue(half.before().nmse() > 0.01 && half.before().kl() > 0, "dropping layers 1 and 2 moves the output");
            assertTrue(half.after().nmse() < half.before().nmse(), "alignment brings it closer");
            assertEquals(2, half.layerNmseBefore().length);
            assertEquals(half.before().nmse(), half.layerNmseBefore()[1], 1e-5, "the last emulator layer is the output");
        }
    }
}
