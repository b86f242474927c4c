#!/usr/bin/env python3
"""reaplat.py -- the Python asyncio peer of bench/cmd/reaplat.

Usage:
  python3 reaplat.py latency N WARMUP [default|pidfd]
  python3 reaplat.py throughput CONCURRENCY TOTAL PATH ARGV0 [default|pidfd]
  python3 reaplat.py output MIB WARMUP_MIB [default|pidfd]
  python3 reaplat.py many N PATH [default|pidfd]

latency: WARMUP+N sequential /bin/cat children started with
asyncio.create_subprocess_exec. For each: stdin is a pipe we own (so that
closing it is an immediate close(2), not a transport close deferred to the
next loop iteration), stdout an asyncio pipe; write one byte and read it
back (cat has exec'd and is blocked in read); t0 = monotonic_ns just before
closing its stdin; t1 = when `await proc.wait()` returns. Prints one JSON
line per measured exit, {"pid":123,"ns":45678}, then one summary line.
throughput: PATH (e.g. /bin/true) run under the name ARGV0 without
arguments, stdio DEVNULL and an empty environment, with CONCURRENCY in
flight until TOTAL have exited; prints only the summary line, with the CPU
time (user + system, ns; getrusage) of this process and of its reaped
children from just before the first spawn to the last exit.
output: one warm-up child of WARMUP_MIB (if > 0), then one measured child
of MIB: `/bin/dd if=/dev/zero bs=1M count=MIB status=none` with stdout an
asyncio pipe, stdin and stderr DEVNULL; ns from just before
create_subprocess_exec to the return of `await proc.communicate()` (all
of stdout read into memory, exit seen). Prints only the summary line, with
the measured child's bytes.
many: fd 3 is the read end of a pipe whose write end the caller holds.
Prints {"ready":true}, waits for a line on stdin, starts N children of PATH
(no arguments, empty environment, stdin fd 3, stdout and stderr DEVNULL),
prints {"started":N,"start_ns":...} (from the line to the N-th
create_subprocess_exec returned), then awaits every proc.wait() and prints
{"exited":N,"failed":F,"last_exit_mono_ns":T}, T the monotonic_ns
(CLOCK_MONOTONIC) when the last returned; the caller releases the children
by closing its end.

The watcher argument picks how asyncio learns of exits: "default" keeps the
interpreter's default (ThreadedChildWatcher, a thread blocked in waitpid per
child, up to 3.11; pidfd from 3.12 when available); "pidfd" installs
PidfdChildWatcher where the watcher API still exists (< 3.12).
"""
import asyncio
import json
import os
import platform
import resource
import sys
import time


def watcher_name():
    if sys.version_info >= (3, 12):
        return "default (pidfd if available)"
    try:
        return type(asyncio.get_child_watcher()).__name__
    except Exception as err:  # pragma: no cover - depends on the interpreter
        return "unknown (%s)" % err


def install_watcher(kind):
    if kind == "default" or sys.version_info >= (3, 12):
        return
    if kind != "pidfd":
        raise SystemExit("unknown watcher %r" % kind)
    w = asyncio.PidfdChildWatcher()
    w.attach_loop(asyncio.get_running_loop())
    asyncio.set_child_watcher(w)


def emit(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def summary(**fields):
    s = {"runtime": "python " + platform.python_version(), "watcher": watcher_name()}
    s.update(fields)
    emit({"summary": s})


async def one_exit():
    r, w = os.pipe()  # O_CLOEXEC by default (PEP 446); the child gets r as fd 0
    try:
        proc = await asyncio.create_subprocess_exec(
            "/bin/cat", stdin=r, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL, env={})
    finally:
        os.close(r)
    try:
        os.write(w, b"x")
        await proc.stdout.readexactly(1)
    finally:
        t0 = time.monotonic_ns()
        os.close(w)
    code = await proc.wait()
    t1 = time.monotonic_ns()
    if code != 0:
        raise RuntimeError("cat %d exited with %d" % (proc.pid, code))
    return {"pid": proc.pid, "ns": t1 - t0}


async def latency(n, warmup, kind):
    install_watcher(kind)
    start = time.monotonic_ns()
    for i in range(warmup + n):
        s = await one_exit()
        if i >= warmup:
            emit(s)
    summary(mode="latency", n=n, warmup=warmup, elapsed_ns=time.monotonic_ns() - start)


def cpu_ns(who):
    r = resource.getrusage(who)
    return round((r.ru_utime + r.ru_stime) * 1e9)


async def throughput(concurrency, total, path, argv0, kind):
    install_watcher(kind)
    left = total
    self0, children0 = cpu_ns(resource.RUSAGE_SELF), cpu_ns(resource.RUSAGE_CHILDREN)
    start = time.monotonic_ns()

    async def worker():
        nonlocal left
        while left > 0:
            left -= 1
            proc = await asyncio.create_subprocess_exec(
                argv0, executable=path, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL, env={})
            code = await proc.wait()
            if code != 0:
                raise RuntimeError("%s %d exited with %d" % (path, proc.pid, code))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.monotonic_ns() - start
    summary(mode="throughput", n=total, concurrency=concurrency, elapsed_ns=elapsed,
            cpu_ns=cpu_ns(resource.RUSAGE_SELF) - self0,
            children_cpu_ns=cpu_ns(resource.RUSAGE_CHILDREN) - children0)


async def one_output(mib):
    t0 = time.monotonic_ns()
    proc = await asyncio.create_subprocess_exec(
        "/bin/dd", "if=/dev/zero", "bs=1M", "count=%d" % mib, "status=none",
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL, env={})
    out, _ = await proc.communicate()
    t1 = time.monotonic_ns()
    if proc.returncode != 0:
        raise RuntimeError("dd %d exited with %d" % (proc.pid, proc.returncode))
    return len(out), t1 - t0


async def output(mib, warmup, kind):
    install_watcher(kind)
    if warmup > 0:
        await one_output(warmup)
    n, ns = await one_output(mib)
    summary(mode="output", n=1, warmup=warmup, bytes=n, elapsed_ns=ns)


async def many(n, path, kind):
    install_watcher(kind)
    emit({"ready": True})
    sys.stdin.readline()
    t0 = time.monotonic_ns()
    procs = []
    for i in range(n):
        try:
            procs.append(await asyncio.create_subprocess_exec(
                path, stdin=3, stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL, env={}))
        except OSError as e:
            raise SystemExit("start %d of %d: %s" % (i + 1, n, e))
    emit({"started": n, "start_ns": time.monotonic_ns() - t0})
    last = 0
    exited = failed = 0

    async def wait(p):
        nonlocal last, exited, failed
        code = await p.wait()
        exited += 1
        failed += code != 0
        last = time.monotonic_ns()

    await asyncio.gather(*(wait(p) for p in procs))
    emit({"exited": exited, "failed": failed, "last_exit_mono_ns": last})


def main(argv):
    if len(argv) in (3, 4) and argv[0] == "many":
        kind = argv[3] if len(argv) == 4 else "default"
        asyncio.run(many(int(argv[1]), argv[2], kind))
        return
    if len(argv) in (5, 6) and argv[0] == "throughput":
        kind = argv[5] if len(argv) == 6 else "default"
        asyncio.run(throughput(int(argv[1]), int(argv[2]), argv[3], argv[4], kind))
        return
    if len(argv) not in (3, 4) or argv[0] not in ("latency", "output"):
        raise SystemExit(__doc__)
    mode, a, b = argv[0], int(argv[1]), int(argv[2])
    kind = argv[3] if len(argv) == 4 else "default"
    if mode == "latency":
        asyncio.run(latency(a, b, kind))
    else:
        asyncio.run(output(a, b, kind))


if __name__ == "__main__":
    import warnings
    warnings.simplefilter("ignore", DeprecationWarning)
    main(sys.argv[1:])
