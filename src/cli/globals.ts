import type { LoadOptions } from '../core/config/load.js';

/** Flags every command accepts, wherever they stand on the command line. */
export interface Globals {
  json: boolean;
  server?: string | undefined;
  configDir?: string | undefined;
  /** Confirms a destructive command without asking (required when stdin is not a terminal). */
  yes?: boolean;
}

export const loadOpts = (g: Globals): LoadOptions => (g.configDir ? { dir: g.configDir } : {});
