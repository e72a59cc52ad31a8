import { z } from 'zod';
import { ProductionReport } from '../../core/production/schemas.js';
import { defineTool } from '../define.js';

export const validateProductionTool = defineTool({
  name: 'validate_production',
  title: 'Run the pre-deployment checklist',
  description:
    'Check that this deployment is fit for production: settings valid, bearer auth on every HTTP transport, ' +
    'no default or weak secret, state store reachable with current migrations, a verified backup within the ' +
    'RPO, backup storage writable, /metrics not open beyond localhost, log level. Run it before every ' +
    'deployment. Returns each check as pass/warn/fail with a reason; `failed` is true when any check failed ' +
    '(the CLI then exits 1).',
  role: 'operator',
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({}),
  output: ProductionReport,
  cli: { path: ['validate-production'] },
  run: async (_i, { core, signal }) => {
    // loaded on use (yaml, argon2 checks): the CLI builds --help from every tool module
    const { validateProduction } = await import('../../core/production/checks.js');
    const checks = await validateProduction(core, signal);
    const n = (s: string) => checks.filter((c) => c.status === s).length;
    return {
      failed: n('fail') > 0,
      summary: `${n('pass')} pass, ${n('warn')} warn, ${n('fail')} fail`,
      checks,
    };
  },
});
