import type { Core } from '../core/core.js';
import type { Principal } from '../core/principal.js';
import type { AnyTool } from './define.js';
import { policyBlocks } from './policy.js';

/**
 * policy.read_only refuses every write on every face, the in-process CLI included, with one
 * exception: bootstrap on the host. The CLI may create the first admin of a store with no users,
 * and mint the first token of a store where none was ever minted, so a read-only installation
 * can be set up without turning the policy off. Any other policy reason still refuses.
 */
export async function bootstrapAllowed(
  tool: AnyTool,
  rawInput: unknown,
  principal: Principal,
  core: Core,
): Promise<boolean> {
  if (principal.transport !== 'cli' || !core.config.policy.read_only) return false;
  if (policyBlocks(tool, { ...core.config.policy, read_only: false })) return false;
  const input = (rawInput ?? {}) as Record<string, unknown>;
  if (tool.name === 'auth_create_user')
    return input.role === 'admin' && (await core.users.list()).length === 0;
  if (tool.name === 'auth_create_token') return (await core.users.tokens.list({ limit: 1 })).length === 0;
  return false;
}
