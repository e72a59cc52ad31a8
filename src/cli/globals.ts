import type { LoadOptions } from '../core/config/load.js';

/** Flags every command accepts, wherever they stand on the command line. */
export interface Globals {
  json: boolean;
  server?: string | undefined;
  configDir?: string | undefined;
}

export const loadOpts = (g: Globals): LoadOptions => (g.configDir ? { dir: g.configDir } : {});
