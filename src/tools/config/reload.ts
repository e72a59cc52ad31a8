import { z } from 'zod';
import { Reloaded } from '../../core/config/results.js';
import { invalid } from '../../core/errors.js';
import { defineTool } from '../define.js';

export const configReload = defineTool({
  name: 'config_reload',
  title: 'Reload settings',
  description:
    'Re-read the settings of the running server (the same files and variables it started with) and apply ' +
    'them all at once, or not at all: if any problem is found the running settings stay in force and the ' +
    'call fails with invalid_input listing every problem. Settings read only at start (listen address, ' +
    'database, cache, data dir) keep their running value and are reported under restart_required. Run ' +
    'config_validate first. Also triggered by SIGHUP. Returns what changed.',
  role: 'admin',
  scope: 'live',
  hints: { readOnly: false, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({}),
  output: Reloaded,
  run: async (_i, { core, signal }) => {
    // loaded on use (prom-client, yaml): the CLI builds --help from every tool module
    const { reloadSettings } = await import('../../core/config/reload.js');
    const r = await reloadSettings(core, signal);
    if (!r.applied) {
      throw invalid(
        `settings were not reloaded; the running settings stay in force. Fix these and retry (\`config_validate\` checks them):\n  ${r.problems.join('\n  ')}`,
        { problems: r.problems },
      );
    }
    return {
      applied: true as const,
      changed: r.changed,
      restart_required: r.restart_required,
      sources: r.sources,
    };
  },
});
