package io.fedbiot.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class RunEnvironmentTest {
    private static final String A = "1111111111111111111111111111111111111111", B = "2222222222222222222222222222222222222222";
    private static final String C = "3333333333333333333333333333333333333333";

    @TempDir
    Path tmp;

    @Test
    void cpuModelAndTheKernelRelevantFlagsFromCpuinfo() {
        String x86 = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n"
                + "flags\t\t: fpu sse2 avx fma avx2 avx512f avx512dq avx512vl avx512_bf16 amx_bf16 amx_tile avx512fp16\n\n"
                + "processor\t: 1\nmodel name\t: ignored second core\n";
        assertEquals("Intel(R) Xeon(R) Platinum 8480+", RunEnvironment.cpuModel(x86));
        assertEquals(List.of("AVX2", "FMA", "AVX-512F", "AVX-512VL", "AVX-512 BF16", "AMX-TILE", "AMX-BF16"), RunEnvironment.cpuFeatures(x86));
        String old = "model name\t: AMD Opteron\nflags\t\t: fpu sse2 avx\n";
        assertEquals(List.of(), RunEnvironment.cpuFeatures(old));
        String arm = "processor\t: 0\nFeatures\t: fp asimd evtstrm sve bf16\nCPU part\t: 0xd4f\n";
        assertEquals("0xd4f", RunEnvironment.cpuModel(arm));
        assertEquals(List.of("NEON", "SVE", "BF16"), RunEnvironment.cpuFeatures(arm));
        assertEquals(System.getProperty("os.arch"), RunEnvironment.cpuModel(""));
    }

    @Test
    void gitCommitThroughALooseRefFromASubfolder() throws IOException {
        Path repo = tmp.resolve("repo");
        Files.createDirectories(repo.resolve(".git/refs/heads/feature"));
        Files.writeString(repo.resolve(".git/HEAD"), "ref: refs/heads/feature/x\n");
        Files.writeString(repo.resolve(".git/refs/heads/feature/x"), A + "\n");
        Path deep = Files.createDirectories(repo.resolve("fedbiot/target/classes"));
        assertEquals(A, RunEnvironment.gitCommit(deep));
    }

    @Test
    void gitCommitThroughPackedRefsAndADetachedHead() throws IOException {
        Path git = Files.createDirectories(tmp.resolve("repo/.git"));
        Files.writeString(git.resolve("HEAD"), "ref: refs/heads/main\n");
        Files.writeString(git.resolve("packed-refs"), "# pack-refs with: peeled fully-peeled sorted\n" + B + " refs/heads/other\n"
                + C + " refs/heads/main\n");
        assertEquals(C, RunEnvironment.gitCommit(tmp.resolve("repo")));
        Files.writeString(git.resolve("HEAD"), B + "\n");
        assertEquals(B, RunEnvironment.gitCommit(tmp.resolve("repo")));
    }

    @Test
    void aWorktreeFileLeadsToItsGitdirAndTheCommonRefs() throws IOException {
        // main/.git/worktrees/wt holds the worktree's HEAD; its branch ref lives in main/.git/refs.
        Path main = tmp.resolve("main/.git");
        Path wtGit = Files.createDirectories(main.resolve("worktrees/wt"));
        Files.createDirectories(main.resolve("refs/heads"));
        Files.writeString(main.resolve("refs/heads/topic"), A + "\n");
        Files.writeString(main.resolve("HEAD"), "ref: refs/heads/master\n");
        Files.writeString(wtGit.resolve("HEAD"), "ref: refs/heads/topic\n");
        Files.writeString(wtGit.resolve("commondir"), "../..\n");
        Path wt = Files.createDirectories(tmp.resolve("wt"));
        Files.writeString(wt.resolve(".git"), "gitdir: ../main/.git/worktrees/wt\n");
        assertEquals(A, RunEnvironment.gitCommit(wt));
        Files.writeString(wt.resolve(".git"), "gitdir: " + wtGit.toAbsolutePath() + "\n");
        assertEquals(A, RunEnvironment.gitCommit(wt), "an absolute gitdir too");
    }

    @Test
    void anythingElseIsUnknownNeverAnError() throws IOException {
        Path file = Files.createDirectories(tmp.resolve("a"));
        Files.writeString(file.resolve(".git"), "not a gitdir line\n");
        assertEquals("unknown", RunEnvironment.gitCommit(file));
        Path dangling = Files.createDirectories(tmp.resolve("b"));
        Files.writeString(dangling.resolve(".git"), "gitdir: ../nowhere\n");
        assertEquals("unknown", RunEnvironment.gitCommit(dangling));
        Path garbage = Files.createDirectories(tmp.resolve("c/.git"));
        Files.writeString(garbage.resolve("HEAD"), "ref: refs/heads/gone\n");
        assertEquals("unknown", RunEnvironment.gitCommit(garbage.getParent()), "a branch with no commit yet");
        Files.writeString(garbage.resolve("HEAD"), "zzzz\n");
        assertEquals("unknown", RunEnvironment.gitCommit(garbage.getParent()));
    }

    @Test
    void thisCheckoutsCommitMatchesGit() throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true).start();
        } catch (IOException noGit) {
            throw new TestAbortedException("no git on this machine", noGit);
        }
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "not in a git checkout: " + out);
        assertEquals(out, RunEnvironment.gitCommit(Path.of("")));
    }

    @Test
    void captureDescribesThisProcess() {
        RunEnvironment e = RunEnvironment.capture("rounds: 1\n", "java", "native kernels run avx2", null);
        assertEquals(Runtime.getRuntime().availableProcessors(), e.cores());
        assertTrue(e.jvm().startsWith(Runtime.version().toString()), e.jvm());
        assertFalse(e.cpuModel().isBlank());
        String md = e.markdown();
        assertTrue(md.startsWith("## Environment\n"), md);
        assertFalse(md.contains("| GPU |"), md);
        RunEnvironment gpu = new RunEnvironment("x: 1\n", "cuda", "cpu", "d", List.of(), "GPU 0: NVIDIA H200, sm_90", "unknown", "25", 16);
        assertTrue(gpu.markdown().contains("| GPU | GPU 0: NVIDIA H200, sm_90 |"), gpu.markdown());
        assertTrue(gpu.markdown().contains("| SIMD | none the kernels use; d |"), gpu.markdown());
    }
}
