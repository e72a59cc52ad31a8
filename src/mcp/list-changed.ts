import type { Core } from '../core/core.js';
import type { Tool } from '../tools/define.js';
import { servedTools } from '../tools/policy.js';

const served = (tools: readonly Tool[], policy: Parameters<typeof servedTools>[1]) =>
  servedTools(tools, policy)
    .map((t) => t.name)
    .join(',');

/**
 * Calls `changed` after a settings reload that changed which tools the policy serves, so every
 * face can send `notifications/tools/list_changed` (a reload that touches other settings sends
 * nothing). One subscription per face, not per session: the core keeps its listeners for life.
 */
export function onServedToolsChange(core: Core, tools: readonly Tool[], changed: () => void): void {
  core.onSettingsChange((next, prev) => {
    if (served(tools, next.config.policy) !== served(tools, prev.config.policy)) changed();
  });
}
