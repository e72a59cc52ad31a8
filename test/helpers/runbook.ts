import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The operational runbook text the deployment artifacts must agree with: the seed runbook
 * (../shared beside the repository, as in CI and /work/main) plus the repository's runbooks/ files.
 */
export function runbookText(): string {
  const parts: string[] = [];
  for (const seed of [
    resolve(ROOT, '../shared/seed/operational-runbooks.md'),
    resolve(ROOT, '../../shared/seed/operational-runbooks.md'),
  ]) {
    if (existsSync(seed)) {
      parts.push(readFileSync(seed, 'utf8'));
      break;
    }
  }
  const dir = join(ROOT, 'runbooks');
  if (existsSync(dir))
    for (const f of readdirSync(dir).sort())
      if (f.endsWith('.md')) parts.push(readFileSync(join(dir, f), 'utf8'));
  if (parts.length === 0) throw new Error('no runbook found: expected ../shared/seed or runbooks/');
  return parts.join('\n');
}

/** Lines of the runbook's code blocks that start with the given command (e.g. `kubectl`). */
export function runbookCommands(text: string, command: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(`${command} `));
}
