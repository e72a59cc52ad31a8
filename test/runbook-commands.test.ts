import { describe, expect, it } from 'vitest';
import { childEnv, cliAsync } from './helpers/cli.js';
import { specCommands } from './helpers/runbook.js';
import { commandKey, extractCommands, repoRunbooks } from './helpers/runbook-commands.js';
import { tempDir } from './helpers/tmp.js';

/** The spec's `mahavishnu …` commands (test/data/runbook-commands.json), one run per command. */
const specified = [
  ...new Map(
    specCommands('mahavishnu')
      .map((l) => l.split(/\s+/))
      .map((a) => [commandKey(a), a]),
  ).values(),
];
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
});

describe('every `mahavishnu …` command of the spec has working --help', () => {
  it('has the spec commands', () => {
    expect(specified.length).toBeGreaterThan(15);
  });
  it.concurrent.each(specified.map((c) => [c.join(' '), c] as const))('mahavishnu %s', async (_l, args) =>
    helpWorks([...args]),
  );
});

describe('every `mahavishnu …` command of runbooks/*.md has working --help', () => {
  // one text, so a command is run once however many runbooks (or the spec) mention it
  const seen = new Set(specified.map(commandKey));
  const all = new Map<string, string[]>();
  for (const c of extractCommands(Object.values(repoRunbooks()).join('\n')))
    if (!seen.has(commandKey(c))) all.set(c.join(' '), c);
  it.concurrent.each([...all.entries()])('mahavishnu %s', async (_l, args) => helpWorks(args));
});
