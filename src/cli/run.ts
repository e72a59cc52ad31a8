import { randomUUID } from 'node:crypto';
import { exitCode, isAppError } from '../core/errors.js';
import type { Tool } from '../tools/define.js';
import { invoke, toAppError } from '../tools/invoke.js';
import { type Globals, loadOpts } from './builtins.js';
import { resolveCommand } from './commands.js';
import { cliErrorText, cliTexts } from './error-text.js';
import { cliPrincipal } from './principal.js';
import { callRemote } from './remote.js';
import { escapeControls, human, progressPrinter } from './render.js';

const commandOf = (tool: Tool) => `mahavishnu ${tool.cliPath.join(' ')}`;

/** JSON escapes control characters itself; human text on a terminal has them escaped (escapeControls). */
function print(result: unknown, json: boolean) {
  if (json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    const text = human(cliTexts(result));
    process.stdout.write(`${process.stdout.isTTY ? escapeControls(text) : text}\n`);
  }
}

async function runTool(
  tool: Tool,
  input: Record<string, unknown>,
  g: Globals,
  entry: string | undefined,
): Promise<number> {
  const progress = progressPrinter(!g.json && process.stderr.isTTY === true);
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    if (tool.hints.destructive && input.dry_run !== true) {
      const { confirm } = await import('./confirm.js');
      await confirm(
        `${commandOf(tool)} ${JSON.stringify(input)}`,
        ['run it now (see the plan with --dry-run)'],
        g.yes,
      );
    }
    let result: unknown;
    if (g.server || tool.scope === 'live') {
      const { loadConfig, readToken } = await import('../core/config/load.js');
      const loaded = loadConfig(loadOpts(g));
      const server = g.server ?? loaded.config.server.url ?? `http://127.0.0.1:${loaded.config.server.port}`;
      result = await callRemote(server, tool.name, input, readToken(), abort.signal);
    } else {
      // loaded on use: --help and remote calls need no core
      const { openCore } = await import('../compose/open-core.js');
      const core = await openCore({ ...loadOpts(g), logLevel: 'warn' });
      // this process ends with the call: a restore's safety backup is sealed by a process of its own
      if (entry) {
        const { sealerSpawner } = await import('./seal.js');
        core.backups.sealElsewhere(sealerSpawner(entry, g));
      }
      try {
        result = await invoke(tool, input, {
          core,
          principal: cliPrincipal(core),
          signal: abort.signal,
          progress,
        });
      } finally {
        await core.close();
      }
    }
    progress.done();
    print(result, g.json);
    // a check-style tool (validate-production) reports `failed: true` in its result: exit 1
    return (result as { failed?: unknown } | null)?.failed === true ? 1 : 0;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** A command line that is not a help or version request (src/cli/main.ts answers those). */
export async function run(argv: string[], entry?: string): Promise<number> {
  let json = argv.includes('--json');
  try {
    const r = resolveCommand(argv);
    json = r.globals.json;
    if ('tool' in r) return await runTool(r.tool, r.input, r.globals, entry);
    return await r.builtin.run(r.flags, r.globals);
  } catch (e) {
    let err = isAppError(e) ? e : undefined;
    if (!err) {
      // the user sees only a reference; the detail goes to the log (stderr), found by that reference
      const reference = randomUUID();
      err = toAppError(e, reference);
      const { createLogger } = await import('../core/log.js');
      createLogger('error').error({ err: e, reference }, 'internal error');
    }
    // the text names tools as MCP does; here it names the commands
    const message = cliErrorText(err.message);
    if (json) process.stdout.write(`${JSON.stringify({ error: { ...err.toJSON(), message } }, null, 2)}\n`);
    else
      process.stderr.write(
        `error (${err.code}): ${process.stderr.isTTY ? escapeControls(message) : message}\n`,
      );
    return exitCode[err.code];
  }
}
