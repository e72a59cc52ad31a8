import { VERSION } from '../core/version.js';
import type { Tool } from '../tools/define.js';
import { TOOLS } from '../tools/index.js';
import { toolJsonSchema } from '../tools/json-schema.js';
import { BUILTINS, type Builtin } from './builtins.js';
import type { CliManifest, CommandInfo } from './manifest.js';

export const toolFacts = (tool: Tool): string =>
  `MCP tool: ${tool.name}   least role: ${tool.role}   ${tool.hints.readOnly ? 'read-only' : 'changes state'}` +
  `${tool.hints.destructive ? ', destructive' : ''}${tool.hints.idempotent ? ', idempotent' : ''}` +
  `${tool.scope === 'live' ? '   runs on the server' : ''}`;

export const toolInfo = (tool: Tool): CommandInfo => ({
  path: tool.cliPath,
  summary: tool.title,
  description: tool.description,
  positional: tool.positional,
  schema: toolJsonSchema(tool).input,
  facts: toolFacts(tool),
});

export const builtinInfo = (b: Builtin): CommandInfo => ({
  path: b.path,
  summary: b.summary,
  description: b.description,
  positional: b.positional ?? [],
  schema: b.schema,
});

/** Every command's help facts, from the definitions; the build writes it to dist/cli-manifest.json. */
export function buildManifest(
  tools: readonly Tool[] = TOOLS,
  builtins: readonly Builtin[] = BUILTINS,
): CliManifest {
  return { version: VERSION, commands: [...builtins.map(builtinInfo), ...tools.map(toolInfo)] };
}
