import { exitCode, isAppError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { SEALER, splitGlobals } from './globals.js';
import { commandHelp, groupHelp, rootHelp } from './help.js';
import { loadManifest, matchCommand } from './manifest.js';

// The entry of bin/mahavishnu.js. It imports nothing heavy: --version and --help are answered from
// the build's command manifest (src/cli/manifest.ts) without loading a tool, zod or a schema;
// every other command line goes to run.ts, loaded then.

/** --version, --help at any level, and a bare group; undefined when the line is something else. */
async function helpOrVersion(argv: string[]): Promise<number | undefined> {
  const { globals, rest } = splitGlobals(argv);
  if (globals.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (!globals.help && rest.length !== 1 && rest.length !== 0) return undefined;
  const { commands } = await loadManifest(VERSION);
  if (rest.length === 0) {
    process.stdout.write(`${rootHelp(commands, VERSION)}\n`);
    return globals.help ? 0 : 2;
  }
  const found = matchCommand(commands, rest);
  if (!found) {
    if (rest.length === 1 && commands.some((c) => c.path[0] === rest[0] && c.path.length > 1)) {
      process.stdout.write(`${groupHelp(rest[0]!, commands)}\n`);
      return globals.help ? 0 : 2;
    }
    return undefined; // run.ts reports the unknown command, with its suggestions
  }
  if (!globals.help) return undefined;
  process.stdout.write(`${commandHelp(found)}\n`);
  return 0;
}

/**
 * `entry`: the script this process runs (bin/mahavishnu.js), for the processes it starts itself
 * (seal.ts); without it, everything runs in this process.
 */
export async function main(argv: string[], entry?: string): Promise<number> {
  if (argv[0] === SEALER) return (await import('./seal.js')).runSealer(argv.slice(1));
  try {
    const answered = await helpOrVersion(argv);
    if (answered !== undefined) return answered;
  } catch (e) {
    // a global flag without its value (--server, --config-dir): the same report run.ts gives
    if (!isAppError(e)) throw e;
    if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ error: e.toJSON() }, null, 2)}\n`);
    else process.stderr.write(`error (${e.code}): ${e.message}\n`);
    return exitCode[e.code];
  }
  return (await import('./run.js')).run(argv, entry);
}
