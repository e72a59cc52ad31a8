import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Core } from '../core/core.js';
import { incidentFacts, incidentPromptText } from '../resources/incident.js';
import { loadRunbooks, type Runbook, section } from '../resources/runbooks.js';

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
          const facts = await incidentFacts(core, scenario);
          const text = incidentPromptText({ heading, observed, facts, runbook: rb, steps });
          return {
            description: `${heading}: live facts and runbook steps`,
            messages: [{ role: 'user', content: { type: 'text', text } }],
          };
        },
      );
    }
  }
}
