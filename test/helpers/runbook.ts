import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/** The repository's own runbooks (runbooks/*.md, served as runbook://<name>), as one text. */
export function runbookText(): string {
  const dir = join(ROOT, 'runbooks');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
}

/**
 * The command lines the spec runs, kept in the repository as data (test/data/runbook-commands.json,
 * made once from the spec; its `about` says how): `mahavishnu` lines without the program name,
 * `kubectl` lines whole.
 */
export function specCommands(program: 'mahavishnu' | 'kubectl'): string[] {
  const data = JSON.parse(readFileSync(join(ROOT, 'test/data/runbook-commands.json'), 'utf8'));
  return data[program];
}

/** Lines of the runbook's code blocks that start with the given command (e.g. `kubectl`). */
export function runbookCommands(text: string, command: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(`${command} `));
}
