import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool } from '../tools/define.js';
import { parseArgs } from './args.js';
import { toolCommand } from './commands.js';

const tool = defineTool({
  name: 'pool_scale',
  title: 't',
  description: 'd',
  role: 'operator',
  hints: { readOnly: false, destructive: true, idempotent: true, openWorld: false },
  input: z.strictObject({
    pool: z.string().describe('pool'),
    target: z.union([z.number().int(), z.string().regex(/^[+-]\d+$/)]).describe('target'),
    force: z.boolean().default(false).describe('force'),
    params: z.record(z.string(), z.string()).default({}).describe('params'),
    tags: z.array(z.string()).default([]).describe('tags'),
    min_size: z.number().optional().describe('min'),
  }),
  output: z.strictObject({}),
  cli: { positional: ['pool'] },
  plan: () => [],
  run: () => ({}),
});

const parseToolArgs = (t: typeof tool, words: string[]) => parseArgs(toolCommand(t), words);

describe('CLI arguments from the input JSON Schema', () => {
  it('takes positionals, kebab-case flags, numbers, and relative targets as strings', () => {
    expect(parseToolArgs(tool, ['prod', '--target', '+5', '--min-size', '3'])).toEqual({
      pool: 'prod',
      target: '+5',
      min_size: 3,
    });
    expect(parseToolArgs(tool, ['prod', '--target=10'])).toEqual({ pool: 'prod', target: 10 });
  });

  it('takes booleans as bare flags, --no-x, or explicit values; --dry-run maps to dry_run', () => {
    expect(parseToolArgs(tool, ['--force'])).toEqual({ force: true });
    expect(parseToolArgs(tool, ['--no-force'])).toEqual({ force: false });
    expect(parseToolArgs(tool, ['--force', 'false', '--dry-run'])).toEqual({ force: false, dry_run: true });
  });

  it('repeats maps and lists under their singular name', () => {
    expect(
      parseToolArgs(tool, ['--param', 'a=1', '--param', 'b=x=y', '--tag', 'p,q', '--tags', 'r']),
    ).toEqual({
      params: { a: '1', b: 'x=y' },
      tags: ['p', 'q', 'r'],
    });
  });

  it('keeps hostile values as one literal string', () => {
    expect(parseToolArgs(tool, ['--param', 'cmd=; rm -rf /', '--param', 'x=$(id)'])).toEqual({
      params: { cmd: '; rm -rf /', x: '$(id)' },
    });
  });

  it('refuses unknown flags with a suggestion, a missing value, and extra positionals', () => {
    expect(() => parseToolArgs(tool, ['--targte', '3'])).toThrow(
      /unknown option --targte \(did you mean --target\?\)/,
    );
    expect(() => parseToolArgs(tool, ['--target'])).toThrow(/--target needs a value/);
    expect(() => parseToolArgs(tool, ['a', 'b'])).toThrow(/unexpected argument "b"/);
    expect(() => parseToolArgs(tool, ['--param', 'novalue'])).toThrow(/key=value/);
  });
});
