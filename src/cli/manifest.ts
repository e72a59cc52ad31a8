import { readFileSync } from 'node:fs';
import type { JsonObjectSchema } from '../tools/json-schema.js';

/** One CLI command as its help shows it: a tool's or a builtin's, with its flags as JSON Schema. */
export interface CommandInfo {
  path: string[];
  summary: string;
  description: string;
  positional: string[];
  schema: JsonObjectSchema;
  /** For a tool: its MCP name, least role and hints, one line. */
  facts?: string;
}

export interface CliManifest {
  version: string;
  commands: CommandInfo[];
}

/** Where `npm run build` writes the manifest (scripts/bundle.mjs): dist/, above dist/cli and dist/bundle. */
export const MANIFEST_URL = new URL('../cli-manifest.json', import.meta.url);

/**
 * The commands for --help, without loading a single tool: the manifest that the build generates
 * from the tool and builtin definitions (so help costs a JSON read, not zod and every schema). Where
 * there is none, or it is of another version (running from src/ in tests, a stale dist/), it is
 * built from the definitions themselves.
 */
export async function loadManifest(version: string): Promise<CliManifest> {
  try {
    const m = JSON.parse(readFileSync(MANIFEST_URL, 'utf8')) as CliManifest;
    if (m.version === version && Array.isArray(m.commands)) return m;
  } catch {}
  return (await import('./manifest-build.js')).buildManifest();
}

/** The longest command path that the words start with. */
export function matchCommand(commands: readonly CommandInfo[], words: readonly string[]) {
  const starts = (path: string[]) => path.every((p, i) => words[i] === p);
  return commands.filter((c) => starts(c.path)).sort((a, b) => b.path.length - a.path.length)[0];
}
