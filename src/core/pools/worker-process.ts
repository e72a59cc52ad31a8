/**
 * A pool worker: a child process forked by a pool runtime. It runs one step at a time, as an argv
 * with spawn (never a shell), kills it at its timeout or on cancel, keeps the tail of its output,
 * and heartbeats while alive so the runtime can tell a hung worker from a busy one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type FromWorker, HEARTBEAT_MS, type RunMessage, type ToWorker } from './protocol.js';

let current: { msg: RunMessage; child: ChildProcess; cancelled: boolean; timedOut: boolean } | undefined;
let stopping = false;

const send = (m: FromWorker) => {
  if (process.connected) process.send?.(m);
};

/** Signal the command's whole process group (what it started too), falling back to the command. */
function signal(child: ChildProcess, sig: NodeJS.Signals) {
  try {
    if (child.pid) process.kill(-child.pid, sig);
  } catch {
    child.kill(sig);
  }
}

function kill(child: ChildProcess) {
  signal(child, 'SIGTERM');
  // a command that ignores SIGTERM still stops
  setTimeout(
    () => child.exitCode === null && child.signalCode === null && signal(child, 'SIGKILL'),
    2000,
  ).unref();
}

function run(msg: RunMessage) {
  const chunks: Buffer[] = [];
  let size = 0;
  const keep = (b: Buffer) => {
    chunks.push(b);
    size += b.length;
    while (size > msg.maxOutputBytes && chunks.length > 1) size -= chunks.shift()!.length;
  };
  let child: ChildProcess;
  try {
    child = spawn(msg.argv[0]!, msg.argv.slice(1), {
      cwd: msg.cwd,
      env: msg.env,
      shell: false,
      // its own process group, so a cancel or a dead worker stops everything it started
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    finish(msg, null, null, false, false, '', (e as Error).message);
    return;
  }
  const state = { msg, child, cancelled: false, timedOut: false };
  current = state;
  if (child.pid) send({ type: 'started', stepId: msg.stepId, pid: child.pid });
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const timer = setTimeout(() => {
    state.timedOut = true;
    kill(child);
  }, msg.timeoutMs);
  let spawnError: string | undefined;
  child.on('error', (e) => {
    spawnError = e.message;
  });
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    let out = Buffer.concat(chunks);
    if (out.length > msg.maxOutputBytes) out = out.subarray(out.length - msg.maxOutputBytes);
    finish(msg, code, signal, state.timedOut, state.cancelled, out.toString('utf8'), spawnError);
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
) {
  current = undefined;
  send({ type: 'done', stepId: msg.stepId, exitCode, signal, timedOut, cancelled, output, spawnError });
  if (stopping) process.exit(0);
}

process.on('message', (m: ToWorker) => {
  if (m.type === 'run') {
    if (current) return; // one step at a time; the runtime never sends two
    run(m);
  } else if (m.type === 'cancel') {
    if (current && current.msg.stepId === m.stepId) {
      current.cancelled = true;
      kill(current.child);
    }
  } else if (m.type === 'stop') {
    // drain: finish the step in hand, then exit
    stopping = true;
    if (!current) process.exit(0);
  }
});

// the runtime is gone: stop the command and leave (its lease will expire and be reclaimed)
process.on('disconnect', () => {
  if (current) signal(current.child, 'SIGKILL');
  process.exit(0);
});

setInterval(() => send({ type: 'heartbeat', stepId: current?.msg.stepId }), HEARTBEAT_MS);
send({ type: 'ready', pid: process.pid });
