import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');

/** The first command word must be a plain word followed by a space or the end (not `mahavishnu=…`). */
const COMMAND = /(?:^|\s)(?:\S*\/)?mahavishnu\s+([a-z][a-z-]*(?=\s|$).*)$/;

/**
 * Every `mahavishnu …` command line of a Markdown text: lines of fenced code blocks and inline
 * code spans, each cut at a comment, a pipe or a redirection; as argument lists. One line per
 * command unless `all` (every distinct line, for checking each one's flags).
 */
export function extractCommands(markdown: string, { all = false } = {}): string[][] {
  const candidates: string[] = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) {
      inFence = !inFence;
      continue;
    }
    if (inFence) candidates.push(line);
    else for (const m of line.matchAll(/`([^`]+)`/g)) candidates.push(m[1]!);
  }
  const out = new Map<string, string[]>();
  for (const c of candidates) {
    const m = COMMAND.exec(c.replace(/(^|\s+)#.*$/, '').replace(/\s+(\||>>?|2>&1).*$/, ''));
    if (!m) continue;
    const args = m[1]!.trim().split(/\s+/);
    const key = all ? args.join(' ') : commandKey(args);
    if (!out.has(key)) out.set(key, args);
  }
  return [...out.values()];
}

/** The command a line runs: its words up to the first flag or placeholder (its help is the same). */
export function commandKey(args: readonly string[]): string {
  const cut = args.findIndex((a) => /^[-<+]/.test(a));
  return (cut < 0 ? args : args.slice(0, cut)).join(' ');
}

/** The runbooks/ files of this repository, as name → text. */
export function repoRunbooks(): Record<string, string> {
  const dir = join(REPO, 'runbooks');
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.md'))
      .map((f) => [f, readFileSync(join(dir, f), 'utf8')]),
  );
}
