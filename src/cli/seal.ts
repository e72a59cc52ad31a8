import { spawn } from 'node:child_process';
import type { SpawnSealer } from '../core/backup/backups.js';
import { type Globals, loadOpts, SEALER, splitGlobals } from './globals.js';

// The CLI's restores seal their safety backup in a process of their own: `backup restore` and
// `dr recover` return once the restore is in place and the database file it replaced is durable
// (renamed, its folder synced), and that process turns the file into its archive meanwhile.
// It is not a command: bin/mahavishnu.js runs `runSealer` for the argument SEALER.

/**
 * Start sealers as `node <entry> __seal-safety`, detached (their own session: the terminal's
 * Ctrl-C and hang-up do not reach them), with the caller's settings folder, environment and
 * working directory; each waits on its stdin for its job.
 */
export function sealerSpawner(entry: string, g: Globals): SpawnSealer {
  return () => {
    const child = spawn(
      process.execPath,
      [entry, SEALER, ...(g.configDir ? ['--config-dir', g.configDir] : [])],
      { detached: true, stdio: ['pipe', 'ignore', 'ignore'] },
    );
    if (child.pid === undefined) throw new Error(`could not start ${entry} ${SEALER}`);
    const pid = child.pid;
    child.on('error', () => {}); // a sealer that fails is recorded by its catalog row, or its image stays
    return {
      pid,
      start: (job) =>
        new Promise<void>((resolve, reject) => {
          child.stdin.once('error', reject);
          child.stdin.end(`${JSON.stringify(job)}\n`, () => {
            child.unref();
            if (!g.json)
              process.stderr.write(
                `safety backup ${job.id}: sealing in the background (pid ${pid}); \`mahavishnu backup list\` lists it once sealed\n`,
              );
            resolve();
          });
        }),
      kill: () => child.kill('SIGKILL'),
    };
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk;
  return text;
}

/**
 * The sealer: its job ({ id, image }) comes on stdin. Stdin closed without one means the restoring
 * process ended before it handed the job over: the image and the row are a dead process's, which
 * the next backup seals (sealLeftImages). Exit code 0 when sealed, 1 when not (the catalog row
 * says why, and the image stays for the next backup).
 */
export async function runSealer(argv: string[]): Promise<number> {
  const { globals } = splitGlobals(argv);
  const text = (await readAll(process.stdin)).trim();
  if (!text) return 0;
  const job = JSON.parse(text) as { id: string; image: string };
  const { openCore } = await import('../compose/open-core.js');
  const core = await openCore({ ...loadOpts(globals), logLevel: 'warn' });
  try {
    await core.backups.sealHandedOver(job.id, job.image);
    return 0;
  } catch {
    return 1;
  } finally {
    await core.close();
  }
}
