import { closest } from '../core/config/zod-issues.js';
import { AppError } from '../core/errors.js';
import type { Tool } from './define.js';

/**
 * The error for a name that is not known, with the nearest known one: the single answer MCP
 * tools/call, the HTTP action API and the CLI give to an unknown tool (or CLI command).
 */
export function unknownName(
  kind: 'tool' | 'command',
  name: string,
  known: readonly string[],
  hint: string,
): AppError {
  const guess = closest(name, known);
  return new AppError(
    'not_found',
    `unknown ${kind} "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; ${hint}`,
  );
}

const indexes = new WeakMap<readonly Tool[], Map<string, Tool>>();

/** The tool of `tools` called `name`, or not_found naming the nearest tool. */
export function findTool(name: string, tools: readonly Tool[]): Tool {
  let byName = indexes.get(tools);
  if (!byName) {
    byName = new Map(tools.map((t) => [t.name, t]));
    indexes.set(tools, byName);
  }
  const tool = byName.get(name);
  if (tool) return tool;
  throw unknownName('tool', name, [...byName.keys()], 'tools/list or `mahavishnu --help` shows every tool');
}
