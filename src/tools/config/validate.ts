import { z } from 'zod';
import { SettingsValid } from '../../core/config/results.js';
import { forbidden, invalid } from '../../core/errors.js';
import type { Transport } from '../../core/principal.js';
import { defineTool } from '../define.js';

/** Faces that run on the host as whoever started them (the in-process CLI, MCP over stdio). */
const HOST_FACES: ReadonlySet<Transport> = new Set(['cli', 'stdio']);

export const configValidate = defineTool({
  name: 'config_validate',
  title: 'Validate settings',
  description:
    'Parse and validate the settings (settings/mahavishnu.yaml, then settings/local.yaml, then ' +
    'MAHAVISHNU_<GROUP>__<FIELD> variables), or one file given as `file` (on the host only: the CLI or stdio), and report every problem with its ' +
    'key path. Unknown keys are problems. Use it after editing settings and before config_reload. Fails with ' +
    'invalid_input listing every problem when the settings are not valid.',
  role: 'operator',
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  input: z.strictObject({
    file: z.string().max(4096).optional().describe('Validate this one file instead of the settings folder.'),
  }),
  output: SettingsValid,
  run: async ({ file }, { core, principal }) => {
    // a remote caller naming a file would read any file the server can (its keys come back as
    // "unknown key" problems): over the server only the server's own settings are validated
    if (file !== undefined && !HOST_FACES.has(principal.transport))
      throw forbidden(
        "over the server, config_validate validates only the server's own settings; drop file, or validate " +
          'a file on the host itself with `mahavishnu config validate --file F`',
      );
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
