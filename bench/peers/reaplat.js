#!/usr/bin/env node
// reaplat.js — the Node.js (libuv child_process) peer of bench/cmd/reaplat.
//
// Usage:
//   node reaplat.js latency N WARMUP
//   node reaplat.js throughput CONCURRENCY TOTAL PATH ARGV0
//   node reaplat.js output MIB WARMUP_MIB
//   node reaplat.js many N PATH
//
// latency: WARMUP+N sequential /bin/cat children. For each: spawn cat with
// stdin and stdout pipes, write one byte and read it back (cat has exec'd
// and is blocked in read), t0 = hrtime just before destroying (closing) its
// stdin, t1 = entry of the 'exit' event handler. Prints one JSON line per
// measured exit, {"pid":123,"ns":45678}, then one summary line.
// throughput: spawn PATH (e.g. /bin/true) under the name ARGV0, without
// arguments, stdio ignored and an empty environment, with CONCURRENCY in
// flight until TOTAL have exited; prints only the summary line, with the
// CPU time (user + system, ns) of this process (process.cpuUsage()) and of
// its reaped children (cutime + cstime of /proc/self/stat: Node has no
// rusage of children, and these are in clock ticks, 10 ms with Linux's
// USER_HZ of 100) from just before the first spawn to the last exit.
// output: one warm-up child of WARMUP_MIB (if > 0), then one measured
// child of MIB: `/bin/dd if=/dev/zero bs=1M count=MIB status=none`, stdout a
// pipe counted in 'data' events (nothing kept), stdin and stderr ignored;
// ns from just before spawn to the 'close' event (exit seen and stdout at
// EOF). Prints only the summary line, with the measured child's bytes.
// many: fd 3 is the read end of a pipe whose write end the caller holds.
// Prints {"ready":true}, waits for a line on stdin, spawns N children of
// PATH (no arguments, empty environment, stdin fd 3, stdout and stderr
// ignored), prints {"started":N,"start_ns":...} (from the line to the N-th
// spawn returned), then counts 'exit' events until N have come and prints
// {"exited":N,"failed":F,"last_exit_mono_ns":T}, T the hrtime (CLOCK_MONOTONIC)
// of the last one; the caller releases the children by closing its end.
// Errors go to stderr, exit code 1.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');

function summary(fields) {
  const s = Object.assign({ runtime: 'node ' + process.version, watcher: 'libuv' }, fields);
  process.stdout.write(JSON.stringify({ summary: s }) + '\n');
}

function oneExit() {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/cat', [], { stdio: ['pipe', 'pipe', 'ignore'], env: {} });
    let t0 = 0n;
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const t1 = process.hrtime.bigint();
      if (code !== 0) {
        reject(new Error(`cat ${child.pid} exited with ${code} ${signal}`));
        return;
      }
      resolve({ pid: child.pid, ns: Number(t1 - t0) });
    });
    child.stdout.once('data', () => {
      t0 = process.hrtime.bigint();
      child.stdin.destroy(); // closes the fd now, unlike end()
    });
    child.stdin.write('x');
  });
}

async function latency(n, warmup) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < warmup + n; i++) {
    const s = await oneExit();
    if (i >= warmup) {
      process.stdout.write(JSON.stringify(s) + '\n');
    }
  }
  summary({ mode: 'latency', n, warmup, elapsed_ns: Number(process.hrtime.bigint() - start) });
}

// childrenCPU returns the CPU time of this process's reaped children, ns.
function childrenCPU() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  // Fields 16 and 17 (cutime, cstime); the second field, the command, may
  // hold spaces, so count from its closing parenthesis (field 3 on).
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * 1e7; // USER_HZ 100: 10 ms a tick
}

// selfCPU returns this process's CPU time, ns.
function selfCPU() {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

function throughput(concurrency, total, path, argv0) {
  return new Promise((resolve, reject) => {
    const cpu0 = selfCPU();
    const children0 = childrenCPU();
    const start = process.hrtime.bigint();
    let spawned = 0;
    let exited = 0;
    const more = () => {
      while (spawned < total && spawned - exited < concurrency) {
        spawned++;
        const child = spawn(path, [], { argv0, stdio: 'ignore', env: {} });
        child.on('error', reject);
        child.on('exit', (code, signal) => {
          if (code !== 0) {
            reject(new Error(`${path} ${child.pid} exited with ${code} ${signal}`));
            return;
          }
          exited++;
          if (exited === total) {
            const elapsed = Number(process.hrtime.bigint() - start);
            summary({ mode: 'throughput', n: total, concurrency, elapsed_ns: elapsed,
              cpu_ns: selfCPU() - cpu0, children_cpu_ns: childrenCPU() - children0 });
            resolve();
          } else {
            more();
          }
        });
      }
    };
    more();
  });
}

function oneOutput(mib) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn('/bin/dd', ['if=/dev/zero', 'bs=1M', 'count=' + mib, 'status=none'],
      { stdio: ['ignore', 'pipe', 'ignore'], env: {} });
    let bytes = 0;
    child.on('error', reject);
    child.stdout.on('data', (chunk) => { bytes += chunk.length; });
    child.on('close', (code, signal) => {
      const t1 = process.hrtime.bigint();
      if (code !== 0) {
        reject(new Error(`dd ${child.pid} exited with ${code} ${signal}`));
        return;
      }
      resolve({ bytes, ns: Number(t1 - t0) });
    });
  });
}

async function output(mib, warmup) {
  if (warmup > 0) {
    await oneOutput(warmup);
  }
  const r = await oneOutput(mib);
  summary({ mode: 'output', n: 1, warmup, bytes: r.bytes, elapsed_ns: r.ns });
}

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

async function many(n, path) {
  emit({ ready: true });
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdin.destroy();
  const t0 = process.hrtime.bigint();
  let exited = 0;
  let failed = 0;
  const all = new Promise((resolve, reject) => {
    for (let i = 0; i < n; i++) {
      const c = spawn(path, [], { stdio: [3, 'ignore', 'ignore'], env: {} });
      c.on('error', (err) => reject(new Error(`spawn ${i + 1} of ${n}: ${err.message}`)));
      c.on('exit', (code) => {
        exited++;
        if (code !== 0) failed++;
        if (exited === n) resolve(process.hrtime.bigint());
      });
    }
  });
  emit({ started: n, start_ns: Number(process.hrtime.bigint() - t0) });
  const last = await all;
  emit({ exited, failed, last_exit_mono_ns: Number(last) });
}

async function main() {
  const [mode, a, b, c, d] = process.argv.slice(2);
  const x = parseInt(a, 10);
  const y = parseInt(b, 10);
  if (mode === 'many' && x > 0 && b) {
    await many(x, b);
  } else if (mode === 'latency' && x > 0 && y >= 0) {
    await latency(x, y);
  } else if (mode === 'throughput' && x > 0 && y > 0 && c && d) {
    await throughput(x, y, c, d);
  } else if (mode === 'output' && x > 0 && y >= 0) {
    await output(x, y);
  } else {
    throw new Error('usage: reaplat.js latency N WARMUP | throughput CONCURRENCY TOTAL PATH ARGV0 | output MIB WARMUP_MIB | many N PATH');
  }
}

main().catch((err) => {
  process.stderr.write(`reaplat.js: ${err.stack || err}\n`);
  process.exit(1);
});
