import type { Config } from '../core/config/schema.js';
import type { Tool } from './define.js';

const matches = (tool: Tool, names: readonly string[]) =>
  names.some((n) => n === tool.name || n === tool.name.split('_')[0]);

/** Why the server's policy hides a tool, or undefined when the tool is served. */
export function policyBlocks(tool: Tool, policy: Config['policy']): string | undefined {
  if (policy.read_only && !tool.hints.readOnly) return 'the server is read-only (policy.read_only)';
  if (policy.disable_destructive && tool.hints.destructive)
    return 'destructive tools are disabled (policy.disable_destructive)';
  if (policy.enabled_tools.length > 0 && !matches(tool, policy.enabled_tools))
    return 'it is not in policy.enabled_tools';
  if (matches(tool, policy.disabled_tools)) return 'it is listed in policy.disabled_tools';
  return undefined;
}

export const servedTools = (tools: readonly Tool[], policy: Config['policy']) =>
  tools.filter((t) => !policyBlocks(t, policy));
