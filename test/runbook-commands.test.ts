import { describe, expect, it } from 'vitest';
import { resolveCommand } from '../src/cli/commands.js';
import { AppError } from '../src/core/errors.js';
import { specCommands } from './helpers/runbook.js';
import { extractCommands, repoRunbooks } from './helpers/runbook-commands.js';

/** A placeholder of a runbook line (`<pool_id>`), which stands for a value the reader fills in. */
const placeholder = (v: unknown) => typeof v === 'string' && /<[^>]+>/.test(v);

/**
 * The command line must resolve: the command exists, every flag is one it declares, every value
 * parses. For a tool, the input must also pass the tool's schema except where the runbook writes
 * a placeholder (`--pool <pool_id>`), so a renamed or retyped field fails here.
 */
function expectRuns(args: string[]) {
  const line = `mahavishnu ${args.join(' ')}`;
  let r: ReturnType<typeof resolveCommand>;
  try {
    r = resolveCommand(args);
  } catch (e) {
    throw new Error(`${line}: ${e instanceof AppError ? `${e.code}: ${e.message}` : e}`);
  }
  if (!('tool' in r)) return;
  const parsed = r.tool.input.safeParse(r.input);
  const real = parsed.success
    ? []
    : // the value the issue is about, so `--users <username>` (an array's item) counts as a placeholder too
      parsed.error.issues.filter(
        (i) =>
          !placeholder(i.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown>)?.[k], r.input)),
      );
  expect(
    real.map((i) => `${i.path.join('.')}: ${i.message}`),
    line,
  ).toEqual([]);
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

describe('a command line is checked by parsing its real flags', () => {
  it('refuses an unknown flag of a builtin, a tool, and a misspelled command', () => {
    expect(() => resolveCommand(['mcp', 'status', '--bogus'])).toThrow(/unknown option --bogus/);
    expect(() => resolveCommand(['serve', '--prot', '1'])).toThrow(/did you mean --port\?/);
    expect(() => resolveCommand(['pool', 'scale', 'p', '--targte', '3'])).toThrow(/did you mean --target\?/);
    expect(() => resolveCommand(['pool', 'sacle', 'p'])).toThrow(/unknown command "pool sacle"/);
  });
  it('accepts what the runbooks write', () => {
    expect(() => expectRuns(['pool', 'scale', '<pool_id>', '--target', '+5'])).not.toThrow();
    expect(() => expectRuns(['pool', 'scale', 'prod', '--target', 'lots'])).toThrow(/target/);
  });
});

describe('every `mahavishnu …` line the runbook spec requires resolves with its flags', () => {
  // the spec's command lines, kept in the repository as data (test/data/runbook-commands.json)
  const lines = specCommands('mahavishnu');
  it('lists the spec commands', () => expect(lines.length).toBeGreaterThan(15));
  it.each(lines.map((l) => [l, l.trim().split(/\s+/)] as const))('mahavishnu %s', (_l, args) =>
    expectRuns([...args]),
  );
});

describe('every `mahavishnu …` line of runbooks/*.md resolves with its flags', () => {
  const all = new Map<string, string[]>();
  for (const [file, text] of Object.entries(repoRunbooks()))
    for (const c of extractCommands(text, { all: true })) all.set(`${c.join(' ')}  (${file})`, c);
  it('finds the runbook commands', () => expect(all.size).toBeGreaterThan(30));
  it.each([...all.entries()])('mahavishnu %s', (_l, args) => expectRuns(args));
});
