import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { childEnv, cliAsync } from './helpers/cli.js';
import { commandKey, extractCommands, repoRunbooks, seedRunbookPath } from './helpers/runbook-commands.js';
import { tempDir } from './helpers/tmp.js';

const seed = seedRunbookPath();
const tmp = tempDir();
const env = childEnv(tmp.path);

/** `<command line> --help` must succeed: the command exists and its help prints. */
async function helpWorks(args: string[]) {
  const r = await cliAsync([...args, '--help'], env);
  expect(r.stderr, `mahavishnu ${args.join(' ')} --help`).toBe('');
  expect(r.code, `mahavishnu ${args.join(' ')} --help\n${r.stdout}`).toBe(0);
  expect(r.stdout).toMatch(/Usage: mahavishnu/);
}

describe('the extraction of runbook commands', () => {
  it('finds command lines in code blocks and inline code, cut at comments, pipes and redirections', () => {
    const md = [
      'Run `mahavishnu adapter list` first.',
      '```bash',
      '# comment mentioning mahavishnu pool list',
      'mahavishnu pool scale <pool_id> --target +5   # add five',
      '0 2 * * * /usr/local/bin/mahavishnu backup create --type full >> /var/log/b.log 2>&1',
      'sudo systemctl restart mahavishnu',
      'journalctl -u mahavishnu -n 100',
      'kubectl set image deployment/mahavishnu mahavishnu=<registry>/mahavishnu:<tag>',
      'kubectl scale deployment mahavishnu --replicas=4',
      '```',
    ].join('\n');
    expect(extractCommands(md)).toEqual([
      ['adapter', 'list'],
      ['pool', 'scale', '<pool_id>', '--target', '+5'],
      ['backup', 'create', '--type', 'full'],
    ]);
  });

  it('finds the seed runbook beside the clone', () => {
    expect(seed, 'shared/seed/operational-runbooks.md beside the repository').toBeDefined();
  });
});

describe.runIf(seed)('every `mahavishnu …` command of the seed runbook has working --help', () => {
  const commands = seed ? extractCommands(readFileSync(seed, 'utf8')) : [];
  it('extracts the runbook commands', () => {
    expect(commands.length).toBeGreaterThan(15);
  });
  it.concurrent.each(commands.map((c) => [c.join(' '), c] as const))('mahavishnu %s', async (_l, args) =>
    helpWorks([...args]),
  );
});

describe('every `mahavishnu …` command of runbooks/*.md has working --help', () => {
  // one text, so a command is run once however many runbooks (or the seed) mention it
  const seen = new Set(seed ? extractCommands(readFileSync(seed, 'utf8')).map(commandKey) : []);
  const all = new Map<string, string[]>();
  for (const c of extractCommands(Object.values(repoRunbooks()).join('\n')))
    if (!seen.has(commandKey(c))) all.set(c.join(' '), c);
  it.concurrent.each([...all.entries()])('mahavishnu %s', async (_l, args) => helpWorks(args));
});
