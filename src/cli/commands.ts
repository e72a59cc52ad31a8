import type { AppError } from '../core/errors.js';
import type { Tool } from '../tools/define.js';
import { unknownName } from '../tools/find-tool.js';
import { TOOLS } from '../tools/index.js';
import { toolJsonSchema } from '../tools/json-schema.js';
import { parseInput } from '../tools/parse-input.js';
import { type CommandShape, parseArgs } from './args.js';
import { BUILTINS, type Builtin } from './builtins.js';
import { type CliGlobals, splitGlobals } from './globals.js';

export const toolCommand = (tool: Tool): CommandShape => ({
  path: tool.cliPath,
  schema: toolJsonSchema(tool).input,
  positional: tool.positional,
});

export const builtinCommand = (b: Builtin): CommandShape => ({
  path: b.path,
  schema: b.schema,
  positional: b.positional ?? [],
});

export type Match = { builtin: Builtin; args: string[] } | { tool: Tool; args: string[] };

/** The longest command path (builtin or tool) that the words start with. */
function match(words: readonly string[]): Match | undefined {
  const starts = (path: string[]) => path.every((p, i) => words[i] === p);
  const b = BUILTINS.filter((x) => starts(x.path)).sort((x, y) => y.path.length - x.path.length)[0];
  const t = TOOLS.filter((x) => starts(x.cliPath)).sort((x, y) => y.cliPath.length - x.cliPath.length)[0];
  if (b && (!t || b.path.length >= t.cliPath.length)) return { builtin: b, args: words.slice(b.path.length) };
  if (t) return { tool: t, args: words.slice(t.cliPath.length) };
  return undefined;
}

export function unknownCommand(words: readonly string[]): AppError {
  const all = [...TOOLS.map((t) => t.cliPath.join(' ')), ...BUILTINS.map((b) => b.path.join(' '))];
  // the command words only: the flags after them are not part of the name
  const cut = words.findIndex((w) => w.startsWith('-'));
  const name = (cut < 0 ? words : words.slice(0, cut)).slice(0, 2).join(' ');
  return unknownName('command', name, all, 'run `mahavishnu --help`');
}

export type Resolved = { globals: CliGlobals } & (
  | { tool: Tool; input: Record<string, unknown> }
  | { builtin: Builtin; flags: Record<string, unknown> }
);

/**
 * A command line resolved without running it: the tool and its raw input (checked by invoke when
 * it runs), or the builtin and its checked flags. Throws AppError for an unknown command, an
 * unknown flag, a missing value or (for a builtin) invalid flags; main() and the tests share it.
 */
export function resolveCommand(argv: readonly string[]): Resolved {
  const { globals, rest } = splitGlobals(argv);
  const found = match(rest);
  if (!found) throw unknownCommand(rest);
  if ('tool' in found)
    return { globals, tool: found.tool, input: parseArgs(toolCommand(found.tool), found.args) };
  const b = found.builtin;
  const command = `mahavishnu ${b.path.join(' ')}`;
  const raw = parseArgs(builtinCommand(b), found.args);
  return { globals, builtin: b, flags: parseInput(b.flags, raw, command, `See \`${command} --help\``) };
}
