import type { Core } from '../core/core.js';
import { errorFacts, healthState, latencyFacts, poolSaturation, securityFacts } from './live.js';
import type { Runbook } from './runbooks.js';

/** Which live facts each incident prompt gathers, beyond health and breaker states. */
const EXTRA: Record<string, (core: Core) => Promise<Record<string, unknown>>> = {
  'high-error-rate': async (core) => ({ errors: await errorFacts(core) }),
  'performance-degradation': async (core) => ({
    slowest_tools: await latencyFacts(core),
    pool_saturation: await poolSaturation(core),
  }),
  outage: async (core) => ({ errors: await errorFacts(core), pool_saturation: await poolSaturation(core) }),
  'security-incident': async (core) => ({ security: await securityFacts(core) }),
};

/** The live facts of one incident scenario, gathered now in this process. */
export async function incidentFacts(core: Core, scenario: string): Promise<Record<string, unknown>> {
  const health = await healthState(core);
  return {
    gathered_at: new Date().toISOString(),
    version: core.version,
    uptime_s: Math.round((Date.now() - core.startedAt) / 1000),
    overall: health.status,
    not_healthy: health.components
      .filter((c) => c.status !== 'healthy')
      .map(({ name, status, message, critical }) => ({ name, status, critical, message })),
    breakers: core.adapters
      .list()
      .map(({ name, state, held, cooldown_remaining_ms, next_trial_at, last_failure }) => ({
        name,
        state,
        held,
        cooldown_remaining_ms,
        next_trial_at,
        last_failure,
      })),
    state_store: storeFact(health.components.find((c) => c.name === 'state_store')),
    ...(await (EXTRA[scenario]?.(core) ?? Promise.resolve({})).catch((e: Error) => ({
      // a fact read from the store is missing while the store is away; say so instead of failing the prompt
      unavailable: e.message,
    }))),
  };
}

function storeFact(
  c: { status: string; message?: string | undefined; details?: Record<string, unknown> } | undefined,
) {
  return {
    reachable: c?.status === 'healthy',
    message: c?.message ?? 'no state_store component',
    ...(c?.status === 'healthy'
      ? {}
      : {
          next_step:
            'runbook://incident-response, "If the state store is unreachable"; then ecosystem_restart_database if it stays stuck',
        }),
  };
}

/** The text of an incident prompt: the facts, then the runbook section of the scenario. */
export function incidentPromptText(input: {
  heading: string;
  observed?: string | undefined;
  facts: Record<string, unknown>;
  runbook: Runbook;
  steps: string;
}): string {
  return [
    `You are responding to an incident on mahavishnu: ${input.heading}.`,
    input.observed ? `Reported: ${input.observed}` : '',
    '',
    '## Live facts (gathered by the server just now)',
    '```json',
    JSON.stringify(input.facts, null, 2),
    '```',
    '',
    `## Runbook steps (${input.runbook.uri})`,
    input.steps,
    '',
    'Work through the steps using these facts. Each step an MCP tool performs shows the tool call ' +
      '(`tool_name {json input}`) beside the CLI command: call the tool. Steps marked (host only) need ' +
      'a person on the host. Use dry_run on destructive tools first.',
  ]
    .filter((l, i, a) => l !== '' || a[i - 1] !== '')
    .join('\n');
}
