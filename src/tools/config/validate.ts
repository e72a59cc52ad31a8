import { z } from 'zod';
import { SettingsValid } from '../../core/config/results.js';
import { invalid } from '../../core/errors.js';
import { defineTool } from '../define.js';

export const configValidate = defineTool({
  name: 'config_validate',
  title: 'Validate settings',
  description:
    'Parse and validate the settings (settings/mahavishnu.yaml, then settings/local.yaml, then ' +
    'MAHAVISHNU_<GROUP>__<FIELD> variables), or one file given as `file`, and report every problem with its ' +
    'key path. Unknown keys are problems. Use it after editing settings and before config_reload. Fails with ' +
    'invalid_input listing every problem when the settings are not valid.',
  role: 'operator',
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({
    file: z.string().max(4096).optional().describe('Validate this one file instead of the settings folder.'),
  }),
  output: SettingsValid,
  run: async ({ file }, { core }) => {
    // loaded on use (yaml): the CLI builds --help from every tool module
    const { tryLoadConfig } = await import('../../core/config/load.js');
    const { loaded, problems } = tryLoadConfig({ dir: core.settings.dir, ...(file ? { file } : {}) });
    if (!loaded) {
      throw invalid(`settings are not valid (${problems.length} problem(s)):\n  ${problems.join('\n  ')}`, {
        problems,
      });
    }
    return { valid: true as const, sources: loaded.sources };
  },
});
