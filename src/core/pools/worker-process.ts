/**
 * A pool worker: a child process forked by a pool runtime. It runs one step at a time, as an argv
 * with spawn (never a shell), kills it at its timeout, on cancel or when its lease ends, keeps
 * the tail of its output, and heartbeats while alive so the runtime can tell a hung worker from a
 * busy one. Every process a step starts lives and dies with it (see isolation.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { type Group, probeIsolation, startGroup } from './isolation.js';
import { type FromWorker, HEARTBEAT_MS, type RunMessage, type ToWorker } from './protocol.js';

interface Current {
  msg: RunMessage;
  group: Group;
  cancelled: boolean;
  timedOut: boolean;
  leaseUntil: number;
  leaseLost: string | undefined;
}

let current: Current | undefined;
let stopping = false;
const isolation = probeIsolation();

/** After the command exits, how long its output may still arrive before the step ends. */
const OUTPUT_GRACE_MS = 200;

const send = (m: FromWorker) => {
  if (process.connected) process.send?.(m);
};

function run(msg: RunMessage) {
  const chunks: Buffer[] = [];
  let size = 0;
  const keep = (b: Buffer) => {
    chunks.push(b);
    size += b.length;
    while (size > msg.maxOutputBytes && chunks.length > 1) size -= chunks.shift()!.length;
  };
  let group: Group;
  try {
    group = startGroup(isolation, msg.argv, { cwd: msg.cwd, env: msg.env });
  } catch (e) {
    finish(msg, null, null, false, false, '', (e as Error).message);
    return;
  }
  const child: ChildProcess = group.child;
  const state: Current = {
    msg,
    group,
    cancelled: false,
    timedOut: false,
    leaseUntil: msg.leaseUntil,
    leaseLost: undefined,
  };
  current = state;
  if (child.pid) send({ type: 'started', stepId: msg.stepId, pid: child.pid });
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const timer = setTimeout(() => {
    state.timedOut = true;
    group.stop();
  }, msg.timeoutMs);
  let spawnError: string | undefined;
  let ended = false;
  let exit: { code: number | null; signal: string | null } | undefined;
  const end = () => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    // whatever the step left behind (a daemon still holding its stdout) goes with it
    group.kill();
    let out = Buffer.concat(chunks);
    if (out.length > msg.maxOutputBytes) out = out.subarray(out.length - msg.maxOutputBytes);
    finish(
      msg,
      exit?.code ?? null,
      exit?.signal ?? null,
      state.timedOut,
      state.cancelled,
      out.toString('utf8'),
      spawnError,
      state.leaseLost,
    );
  };
  child.on('error', (e) => {
    spawnError = e.message;
    if (!child.pid) end();
  });
  // the step ends when its command exits plus a short grace for output, not when the last
  // holder of its stdout (a child it left behind) lets go
  child.on('exit', (code, signal) => {
    exit = { code, signal };
    setTimeout(end, OUTPUT_GRACE_MS).unref();
  });
  child.on('close', (code, signal) => {
    exit ??= { code, signal };
    end();
  });
}

function finish(
  msg: RunMessage,
  exitCode: number | null,
  signal: string | null,
  timedOut: boolean,
  cancelled: boolean,
  output: string,
  spawnError?: string,
  leaseLost?: string,
) {
  current = undefined;
  send({
    type: 'done',
    stepId: msg.stepId,
    exitCode,
    signal,
    timedOut,
    cancelled,
    output,
    spawnError,
    leaseLost,
  });
  if (stopping) process.exit(0);
}

/** The lease is gone: no second copy of the step may keep running, so no grace. */
function loseLease(c: Current, reason: string) {
  if (c.leaseLost) return;
  c.leaseLost = reason;
  c.group.kill();
}

process.on('message', (m: ToWorker) => {
  if (m.type === 'run') {
    if (current) return; // one step at a time; the runtime never sends two
    run(m);
  } else if (m.type === 'cancel') {
    if (current && current.msg.stepId === m.stepId) {
      current.cancelled = true;
      current.group.stop();
    }
  } else if (m.type === 'lease') {
    if (current && current.msg.stepId === m.stepId)
      current.leaseUntil = Math.max(current.leaseUntil, m.until);
  } else if (m.type === 'kill') {
    if (current && current.msg.stepId === m.stepId) loseLease(current, m.reason);
  } else if (m.type === 'stop') {
    // drain: finish the step in hand, then exit
    stopping = true;
    if (!current) process.exit(0);
  }
});

// the runtime is gone: stop the command and leave (its lease will expire and be reclaimed)
process.on('disconnect', () => {
  current?.group.kill();
  process.exit(0);
});
// a runtime that died while this process started: its 'disconnect' came before the listener
// above, and without it the intervals below would keep an orphan alive for good
if (!process.connected) process.exit(0);

// the lease watchdog runs here, not in the runtime: a runtime paused (SIGSTOP, a long GC) or cut
// off from the store sends no renewal, and the step is killed before another host may reclaim it
setInterval(() => {
  if (current && Date.now() >= current.leaseUntil)
    loseLease(current, 'lease expired: no renewal reached the worker (store unreachable or runtime paused)');
}, 100);
setInterval(() => send({ type: 'heartbeat', stepId: current?.msg.stepId }), HEARTBEAT_MS);
send({ type: 'ready', pid: process.pid, isolation: isolation.kind });
