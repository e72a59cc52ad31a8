import { userInfo } from 'node:os';
import { closest } from '../core/config/zod-issues.js';
import { AppError, exitCode, isAppError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import type { Tool } from '../tools/define.js';
import { TOOLS } from '../tools/index.js';
import { invoke, toAppError } from '../tools/invoke.js';
import { parseToolArgs } from './args.js';
import { BUILTINS, type Builtin, type Globals, loadOpts } from './builtins.js';
import { groupHelp, rootHelp, toolHelp } from './help.js';
import { callRemote } from './remote.js';
import { human, progressPrinter } from './render.js';

/** Pull the global flags out of argv wherever they stand; the rest is the command and its arguments. */
function splitGlobals(argv: string[]): {
  globals: Globals & { help: boolean; version: boolean };
  rest: string[];
} {
  const globals = { json: false, help: false, version: false } as Globals & {
    help: boolean;
    version: boolean;
  };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === '--json') globals.json = true;
    else if (a === '-h' || a === '--help') globals.help = true;
    else if (a === '--version') globals.version = true;
    else if (a === '--server' || a === '--config-dir') {
      const v = argv[++i];
      if (v === undefined) throw new AppError('invalid_input', `${a} needs a value`);
      if (a === '--server') globals.server = v;
      else globals.configDir = v;
    } else if (a.startsWith('--server=')) globals.server = a.slice(9);
    else if (a.startsWith('--config-dir=')) globals.configDir = a.slice(13);
    else rest.push(a);
  }
  return { globals, rest };
}

/** The longest command path (builtin or tool) that the words start with. */
function match(words: string[]): { builtin?: Builtin; tool?: Tool; args: string[] } | undefined {
  const starts = (path: string[]) => path.every((p, i) => words[i] === p);
  const b = BUILTINS.filter((x) => starts(x.path)).sort((x, y) => y.path.length - x.path.length)[0];
  const t = TOOLS.filter((x) => starts(x.cliPath)).sort((x, y) => y.cliPath.length - x.cliPath.length)[0];
  if (b && (!t || b.path.length >= t.cliPath.length)) return { builtin: b, args: words.slice(b.path.length) };
  if (t) return { tool: t, args: words.slice(t.cliPath.length) };
  return undefined;
}

function print(result: unknown, json: boolean) {
  process.stdout.write(`${json ? JSON.stringify(result, null, 2) : human(result)}\n`);
}

async function runTool(tool: Tool, args: string[], g: Globals): Promise<number> {
  const input = parseToolArgs(tool, args);
  const progress = progressPrinter(!g.json && process.stderr.isTTY === true);
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
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
      try {
        result = await invoke(tool, input, {
          core,
          principal: {
            username: `cli:${userInfo().username}`,
            role: core.config.auth.cli_role,
            transport: 'cli',
          },
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

export async function main(argv: string[]): Promise<number> {
  let json = argv.includes('--json');
  try {
    const { globals, rest } = splitGlobals(argv);
    json = globals.json;
    if (globals.version) {
      process.stdout.write(`${VERSION}\n`);
      return 0;
    }
    if (rest.length === 0) {
      process.stdout.write(`${rootHelp(TOOLS, BUILTINS, VERSION)}\n`);
      return globals.help ? 0 : 2;
    }
    const found = match(rest);
    if (!found) {
      const groups = new Set([...TOOLS.map((t) => t.cliPath[0]!), ...BUILTINS.map((b) => b.path[0]!)]);
      if (rest.length === 1 && groups.has(rest[0]!)) {
        process.stdout.write(`${groupHelp(rest[0]!, TOOLS, BUILTINS)}\n`);
        return globals.help ? 0 : 2;
      }
      const all = [...TOOLS.map((t) => t.cliPath.join(' ')), ...BUILTINS.map((b) => b.path.join(' '))];
      const guess = closest(rest.slice(0, 2).join(' '), all);
      throw new AppError(
        'invalid_input',
        `unknown command "${rest.join(' ')}"${guess ? ` (did you mean "${guess}"?)` : ''}; run \`mahavishnu --help\``,
      );
    }
    if (found.builtin) {
      if (globals.help) {
        process.stdout.write(`${found.builtin.usage}\n`);
        return 0;
      }
      return await found.builtin.run(found.args, globals);
    }
    const tool = found.tool!;
    if (globals.help) {
      process.stdout.write(`${toolHelp(tool)}\n`);
      return 0;
    }
    return await runTool(tool, found.args, globals);
  } catch (e) {
    const err = isAppError(e) ? e : toAppError(e, 'cli');
    if (!isAppError(e)) process.stderr.write(`${(e as Error)?.stack ?? e}\n`);
    if (json) process.stdout.write(`${JSON.stringify({ error: err.toJSON() }, null, 2)}\n`);
    else process.stderr.write(`error (${err.code}): ${err.message}\n`);
    return exitCode[err.code];
  }
}
