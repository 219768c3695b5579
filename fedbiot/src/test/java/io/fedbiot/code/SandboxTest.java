package io.fedbiot.code;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hostile programs: each is a failed result and harms nothing outside its folder. */
class SandboxTest {
    private static Sandbox sandbox;
    private static final Sandbox.Limits LIMITS = Sandbox.Limits.of(3);

    @BeforeAll
    static void detect() {
        sandbox = Sandbox.detect("python3");
    }

    private static Sandbox.Result run(String program) {
        return sandbox.run(program, LIMITS);
    }

    @Test
    void aCorrectProgramPassesAndItsOutputIsKept() {
        Sandbox.Result r = run("print('hello')\nassert 1 + 1 == 2\n");
        assertTrue(r.passed(), r.toString());
        assertEquals("hello\n", r.stdout());
    }

    @Test
    void aFailingAssertionFails() {
        Sandbox.Result r = run("assert 1 + 1 == 3\n");
        assertEquals(Sandbox.Outcome.FAILED, r.outcome());
        assertTrue(r.stderr().contains("AssertionError"), r.stderr());
    }

    @Test
    void anInfiniteLoopIsKilledAtTheWallClock() {
        Sandbox.Result r = run("while True:\n    pass\n");
        assertEquals(Sandbox.Outcome.TIMEOUT, r.outcome());
        assertFalse(r.passed());
    }

    @Test
    void aSleepingProgramIsKilledToo() {
        Sandbox.Result r = run("import time\ntime.sleep(60)\n"); // no CPU used: only the wall clock stops it
        assertEquals(Sandbox.Outcome.TIMEOUT, r.outcome());
    }

    @Test
    void aForkBombIsRefused() {
        Sandbox.Result r = run("import os\nwhile True:\n    os.fork()\n");
        assertFalse(r.passed());
        assertTrue(r.stderr().contains("os.fork"), r.stderr());
    }

    @Test
    void osSystemAndSubprocessAreRefused() {
        Path marker = Path.of(System.getProperty("java.io.tmpdir"), "fedbiot-sandbox-marker-" + ProcessHandle.current().pid());
        Sandbox.Result r = run("import os\nos.system('touch " + marker + "')\n");
        assertFalse(r.passed());
        assertFalse(Files.exists(marker), "os.system ran");
        Sandbox.Result s = run("import subprocess\nsubprocess.run(['touch', '" + marker + "'])\n");
        assertFalse(s.passed());
        assertFalse(Files.exists(marker), "subprocess ran");
    }

    @Test
    void aHugeOutputFloodIsCappedAndFails() {
        Sandbox.Result r = run("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n");
        assertFalse(r.passed());
        assertTrue(r.stdout().length() <= LIMITS.outputBytes(), "kept " + r.stdout().length());
        assertTrue(r.outputBytes() > LIMITS.outputBytes(), "drained " + r.outputBytes());
    }

    @Test
    void filesOutsideTheFolderCannotBeReadOrWritten(@org.junit.jupiter.api.io.TempDir Path outside) throws Exception {
        Path secret = Files.writeString(outside.resolve("secret.txt"), "top secret");
        Sandbox.Result read = run("print(open(" + py(secret) + ").read())\n");
        assertFalse(read.passed());
        assertFalse(read.stdout().contains("top secret"));
        Sandbox.Result passwd = run("print(open('/etc/passwd').read())\n");
        assertFalse(passwd.passed());
        Path target = outside.resolve("written.txt");
        Sandbox.Result write = run("open(" + py(target) + ", 'w').write('pwned')\n");
        assertFalse(write.passed());
        assertFalse(Files.exists(target));
        Sandbox.Result remove = run("import os\nos.remove(" + py(secret) + ")\n");
        assertFalse(remove.passed());
        assertTrue(Files.exists(secret));
    }

    @Test
    void itsOwnFolderIsWritableAndDeletedAfterwards() {
        Sandbox.Result r = run("import os\nopen('scratch.txt', 'w').write('ok')\nprint(os.getcwd())\n");
        assertTrue(r.passed(), r.toString());
        assertFalse(Files.exists(Path.of(r.stdout().strip())), "working folder left behind: " + r.stdout());
    }

    @Test
    void exitAndCrashesFail() {
        assertEquals(Sandbox.Outcome.FAILED, run("import sys\nsys.exit(3)\n").outcome());
        assertFalse(run("import sys\nsys.exit(3)\n").passed());
        assertFalse(run("import sys\nsys.exit(0)\nassert False\n").passed()); // exit 0 before the asserts is no pass
        assertFalse(run("import os\nos._exit(0)\n").passed());
        assertFalse(run("import posix\nposix._exit(0)\n").passed());
        assertFalse(run("raise SystemError('boom')\n").passed());
        assertFalse(run("def f(): f()\nf()\n").passed()); // RecursionError
        assertFalse(run("x = ' ' * (1 << 34)\n").passed()); // 16 GiB: over the memory limit
        assertFalse(run("import ctypes\nctypes.string_at(0)\n").passed()); // would segfault
    }

    @Test
    void theNetworkIsUnreachable() {
        Sandbox.Result r = run("import socket\nsocket.create_connection(('127.0.0.1', 22), timeout=1)\n");
        assertFalse(r.passed());
    }

    @Test
    void withoutNamespacesTheLimitsAndAuditHookStillRefuse(@org.junit.jupiter.api.io.TempDir Path outside) throws Exception {
        Sandbox bare = Sandbox.withoutNamespaces("python3"); // what a CI machine without unshare gets
        Path target = outside.resolve("written.txt");
        for (String hostile : new String[]{"import os\nwhile True:\n    os.fork()\n", "import os\nos.system('true')\n",
                "import socket\nsocket.create_connection(('127.0.0.1', 22), timeout=1)\n", "print(open('/etc/passwd').read())\n",
                "open(" + py(target) + ", 'w').write('x')\n", "while True:\n    pass\n"}) {
            Sandbox.Result r = bare.run(hostile, LIMITS);
            assertFalse(r.passed(), hostile + " passed: " + r);
        }
        assertFalse(Files.exists(target));
        assertTrue(bare.run("assert sum(range(4)) == 6\n", LIMITS).passed());
    }

    @Test
    void aMissingInterpreterIsNamedAndAFoundOneIsReportedByItsRealPath() {
        String m = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Sandbox.detect("no-such-python-fedbiot")).getMessage();
        assertTrue(m.startsWith("cannot run the sandbox's Python 'no-such-python-fedbiot': "), m);
        assertTrue(sandbox.isolation().startsWith("/"), sandbox.isolation());
    }

    private static String py(Path p) {
        return "'" + p.toAbsolutePath().toString().replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
}
