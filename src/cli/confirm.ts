import { createInterface } from 'node:readline/promises';
import { AppError } from '../core/errors.js';

/**
 * A person's yes before something destructive: asked on a terminal; without one (a script, an
 * agent's shell with piped stdin) only --yes says it, so nothing destructive runs by accident.
 */
export async function confirm(what: string, plan: string[], yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY)
    throw new AppError(
      'invalid_input',
      `${what} is destructive and stdin is not a terminal to confirm it on: add --yes (or try --dry-run first)`,
    );
  process.stderr.write(`${what}:\n${plan.map((s, i) => `  ${i + 1}. ${s}`).join('\n')}\n`);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = (await rl.question('Type "yes" to go on: ')).trim().toLowerCase();
    if (answer !== 'yes') throw new AppError('invalid_input', `${what}: not confirmed; nothing was done`);
  } finally {
    rl.close();
  }
}
