import type { LoadOptions } from '../core/config/load.js';
import { AppError } from '../core/errors.js';

/** Flags every command accepts, wherever they stand on the command line. */
export interface Globals {
  json: boolean;
  server?: string | undefined;
  configDir?: string | undefined;
  /** Confirms a destructive command without asking (required when stdin is not a terminal). */
  yes?: boolean;
}

/** The argument that makes bin/mahavishnu.js a safety backup's sealer (seal.ts), not a command. */
export const SEALER = '__seal-safety';

export const loadOpts = (g: Globals): LoadOptions => (g.configDir ? { dir: g.configDir } : {});

export type CliGlobals = Globals & { help: boolean; version: boolean };

/** Pull the global flags out of argv wherever they stand; the rest is the command and its arguments. */
export function splitGlobals(argv: readonly string[]): { globals: CliGlobals; rest: string[] } {
  const globals: CliGlobals = { json: false, help: false, version: false };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a === '--json') globals.json = true;
    else if (a === '--yes' || a === '-y') globals.yes = true;
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
