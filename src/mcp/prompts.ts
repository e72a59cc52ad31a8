import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Core } from '../core/core.js';
import { errorFacts, healthState, latencyFacts, poolSaturation, securityFacts } from '../resources/live.js';
import { loadRunbooks, type Runbook, section } from '../resources/runbooks.js';

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

async function facts(core: Core, scenario: string): Promise<Record<string, unknown>> {
  const health = await healthState(core);
  return {
    gathered_at: new Date().toISOString(),
    version: core.version,
    uptime_s: Math.round((Date.now() - core.startedAt) / 1000),
    overall: health.status,
    not_healthy: health.components
      .filter((c) => c.status !== 'healthy')
      .map(({ name, status, message, critical }) => ({ name, status, critical, message })),
    breakers: core.adapters.list().map(({ name, state, held, cooldown_remaining_ms, last_failure }) => ({
      name,
      state,
      held,
      cooldown_remaining_ms,
      last_failure,
    })),
    ...(await (EXTRA[scenario]?.(core) ?? Promise.resolve({}))),
  };
}

/**
 * One prompt per incident scenario named in a runbook's front matter. It gathers the live facts
 * on the server when it is requested and returns them with that scenario's steps, so the model
 * starts from the real state instead of asking for it.
 */
export function registerPrompts(server: McpServer, core: Core): void {
  const runbooks: Runbook[] = loadRunbooks();
  for (const rb of runbooks) {
    for (const [scenario, heading] of Object.entries(rb.scenarios)) {
      const steps = section(rb.body, heading) ?? rb.body;
      server.registerPrompt(
        scenario,
        {
          title: `Incident: ${heading.replace(/^Scenario \d+:\s*/i, '')}`,
          description: `Gathers live health, breaker states and the relevant metrics now, and gives the ${rb.title} steps for this scenario.`,
          argsSchema: {
            observed: z
              .string()
              .optional()
              .describe('What you observed (alert text, symptoms, affected users), if anything.'),
          },
        },
        async ({ observed }) => {
          const live = await facts(core, scenario);
          const text = [
            `You are responding to an incident on mahavishnu: ${heading}.`,
            observed ? `Reported: ${observed}` : '',
            '',
            '## Live facts (gathered by the server just now)',
            '```json',
            JSON.stringify(live, null, 2),
            '```',
            '',
            `## Runbook steps (${rb.uri})`,
            steps,
            '',
            'Work through the steps using these facts; prefer the mahavishnu tools over shell commands, and use dry_run on destructive tools first.',
          ]
            .filter((l, i, a) => l !== '' || a[i - 1] !== '')
            .join('\n');
          return {
            description: `${heading}: live facts and runbook steps`,
            messages: [{ role: 'user', content: { type: 'text', text } }],
          };
        },
      );
    }
  }
}
