# Runs one untrusted program (HumanEval prompt + completion + test) inside its own folder.
# Usage: python3 -I -B sandbox_runner.py PROGRAM CPU_SECONDS MEMORY_BYTES FILE_BYTES
# Layers, outermost first (Sandbox.java adds the wall-clock kill, the network namespace and the
# output caps): kernel resource limits, then an audit hook that refuses process creation,
# networking, ctypes and file access outside the folder (reads of Python's own files allowed).
# The hook is defence in depth, not a security boundary on its own.
import os
import posix
import resource
import sys
import traceback

program, cpu, memory, file_bytes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
for limit, value in ((resource.RLIMIT_CPU, cpu), (resource.RLIMIT_AS, memory), (resource.RLIMIT_FSIZE, file_bytes),
                     (resource.RLIMIT_CORE, 0), (resource.RLIMIT_NPROC, 0)):
    try:
        resource.setrlimit(limit, (value, value))
    except (ValueError, OSError):
        pass  # e.g. RLIMIT_NPROC is not lowerable everywhere; the audit hook still refuses fork

home = os.path.realpath(os.getcwd())
# Readable: the folder and the import path (with -I: the standard library and site packages).
readable = [home] + sorted({os.path.realpath(p) for p in sys.path if p})
refused_events = {"os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty", "subprocess.Popen",
                  "os.kill", "os.killpg", "socket.connect", "socket.bind", "socket.sendto", "socket.getaddrinfo",
                  "ctypes.dlopen", "ctypes.cdata", "os.chdir", "os.chroot"}
path_events = {"os.remove", "os.rmdir", "os.rename", "os.mkdir", "os.symlink", "os.link", "os.chmod", "os.chown",
               "os.truncate", "os.utime", "shutil.rmtree", "shutil.copyfile", "shutil.move"}
listing_events = {"os.listdir", "os.scandir"}  # the import system lists the standard library
busy = False


def inside(path, roots):
    if isinstance(path, int):
        return True  # an already-open descriptor
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    real = os.path.realpath(os.path.join(home, path))
    return any(real == r or real.startswith(r + os.sep) for r in roots)


def hook(event, args):
    global busy
    if busy:
        return
    busy = True
    try:
        if event in refused_events or (event == "import" and args and str(args[0]).split(".")[0] in ("ctypes", "_ctypes")):
            raise PermissionError("sandbox: " + event + " is not allowed")
        if event == "open" and args and args[0] is not None:
            mode, flags = (args[1] or "r"), (args[2] or 0)
            writes = any(c in str(mode) for c in "wax+") or flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT)
            if not inside(args[0], [home] if writes else readable):
                raise PermissionError("sandbox: opening " + str(args[0]) + " outside the working folder")
        elif event in listing_events and args and args[0] is not None and not inside(args[0], readable):
            raise PermissionError("sandbox: " + event + " outside the working folder")
        elif event in path_events and args and not inside(args[0], [home]):
            raise PermissionError("sandbox: " + event + " outside the working folder")
    finally:
        busy = False


def refused_exit(*args, **kwargs):
    raise PermissionError("sandbox: os._exit is not allowed")


# Passing means the program ran to its end: sys.exit(0) inside a test raises SystemExit (a failure
# here), and os._exit, which would skip that, is taken away; only the runner exits with 0.
real_exit = os._exit
os._exit = posix._exit = refused_exit
with open(program, encoding="utf-8") as f:
    source = f.read()
sys.addaudithook(hook)
try:
    exec(compile(source, "program.py", "exec"), {"__name__": "__main__", "__builtins__": __builtins__})
    sys.stdout.flush()
except BaseException:
    try:
        traceback.print_exc()
        sys.stderr.flush()
    finally:
        real_exit(1)
real_exit(0)
