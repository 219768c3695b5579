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
            int[] calls = new int[1];
            List<DropoutStudy.Result> r = DropoutStudy.run(ck.weights(), 1, new double[]{0.0, 0.5}, List.of(Method.FEDBIOT),
                    new LoraConfig(4, 8f, 0f, EnumSet.allOf(LoraTarget.class)), TestData.windows(tokens, 0, cut, 4, 32, 4),
                    heldOut, align, 2, 5, new DropoutStudy.Listener() {
                        @Override
                        public void alignCall(Split split, int call, Alignment.Result res) {
                            calls[0]++;
                        }
                    });
            assertEquals(4, calls[0], "2 splits x 2 alignment calls reported");
            assertEquals(2, r.size());
            DropoutStudy.Result none = r.get(0), half = r.get(1);
            assertArrayEquals(new int[]{0, 1, 2, 3}, none.split().kept());
            for (int i = 0; i < 4; i++) {
                assertEquals(0.0, none.before().nmse()[i], 1e-9, "nothing dropped, fresh LoRA: emulator layer " + i + " is the teacher's");
                assertEquals(0.0, none.before().kl()[i], 1e-6);
            }
            assertArrayEquals(new int[]{0, 3}, half.split().kept());
            assertTrue(half.before().outputNmse() > 0.01 && half.before().outputKl() > 0, "dropping layers 1 and 2 moves the output");
            assertTrue(half.after().outputNmse() < half.before().outputNmse(), "alignment brings the held-out output closer");
            assertTrue(half.after().outputKl() < half.before().outputKl(), "and the held-out distribution");
            assertEquals(2, half.before().teacherLayer(0), "emulator layer 0 keeps teacher 0 and stands for teacher 0..2");
            assertTrue(half.before().nmse()[0] > 0.01, "so it is compared with teacher layer 2's output, which it skips");
            // The last layer's figures are the output's, as the alignment loss measures them by its own path.
            Alignment.Result measured = measureAgain(ck, half.split(), heldOut);
            assertEquals(measured.nmse(), half.before().outputNmse(), 1e-5);
            assertEquals(measured.kl(), half.before().outputKl(), 1e-5);
        }
    }

    /** Output NMSE/KL of a fresh (LoRA B = 0, so no LoRA at all) split through Alignment.measure. */
    private static Alignment.Result measureAgain(Checkpoint ck, Split split, List<Batch> heldOut) {
        var full = io.fedbiot.engine.model.LlamaModel.full(ck.weights());
        var compressed = new io.fedbiot.engine.model.LlamaModel(ck.weights(), split.compressed());
        return Alignment.measure(full, compressed, split, heldOut, false, true);
    }
}
