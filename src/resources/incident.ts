import type { Core } from '../core/core.js';
import { backupFacts, errorFacts, healthState, latencyFacts, poolSaturation, securityFacts } from './live.js';
import type { Runbook } from './runbooks.js';

type Fact = (core: Core) => Promise<unknown>;

/**
 * Which live facts each incident prompt gathers, beyond health, breaker states and store
 * reachability: the ones that decide the scenario's branches.
 */
const EXTRA: Record<string, Record<string, Fact>> = {
  'high-error-rate': { errors: errorFacts },
  'performance-degradation': { slowest_tools: latencyFacts, pool_saturation: poolSaturation },
  outage: { errors: errorFacts, pool_saturation: poolSaturation, backups: backupFacts },
  'security-incident': { security: securityFacts },
  'data-corruption': { backups: backupFacts },
};

/** Each fact on its own: one read from a store that is away says so instead of hiding the others. */
async function extraFacts(core: Core, scenario: string): Promise<Record<string, unknown>> {
  const entries = Object.entries(EXTRA[scenario] ?? {});
  const values = await Promise.all(
    entries.map(([, fact]) => fact(core).catch((e: Error) => ({ unavailable: e.message }))),
  );
  return Object.fromEntries(entries.map(([name], i) => [name, values[i]]));
}

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
    ...(await extraFacts(core, scenario)),
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
