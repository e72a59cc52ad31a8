import { readdirSync, readFileSync } from 'node:fs';

/**
 * Host pids of the live processes whose command line contains `text`. A step may run in a PID
 * namespace of its own, where the pid it sees is not the host's, so tests find its processes by
 * a unique argument instead of a pid the step reports.
 */
export function pidsWith(text: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // a zombie has exited; only its parent's wait is missing
      if (cmd.includes(text) && !/^\d+ \(.*\) Z/.test(stat)) out.push(Number(d));
    } catch {}
  }
  return out;
}
