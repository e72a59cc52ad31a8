import { closest } from '../core/config/zod-issues.js';
import { invalid } from '../core/errors.js';
import type { JsonObjectSchema } from '../tools/json-schema.js';
import { type FlagInfo, type FlagKind, flagsOf } from './flags.js';

/** What the parser needs of a command, tool or builtin: its words, its input schema, its positionals. */
export interface CommandShape {
  path: readonly string[];
  /** The input JSON Schema: for a tool, the one MCP advertises. */
  schema: JsonObjectSchema;
  positional: readonly string[];
}

/** The options main() takes out of the command line before a command's flags are parsed. */
const GLOBAL_FLAGS = ['json', 'server', 'config-dir', 'help', 'version'];

const NUMERIC = /^[-+]?\d+(\.\d+)?$/;

function convert(kind: FlagKind | undefined, raw: string): unknown {
  switch (kind) {
    case 'number':
      return NUMERIC.test(raw) ? Number(raw) : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'union':
      // "+5" and "-2" stay strings (relative targets); plain numbers become numbers
      return /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
    case 'json':
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}

/** Find the flag a command-line word names: --kebab, --snake, or the singular of a list (--param). */
function findFlag(flags: FlagInfo[], name: string): FlagInfo | undefined {
  const norm = name.replace(/-/g, '_');
  return (
    flags.find((f) => f.key === norm) ??
    flags.find((f) => (f.kind === 'array' || f.kind === 'record') && f.key === `${norm}s`)
  );
}

/**
 * Turn the words after the command into its raw input. Values are converted by the schema's
 * field kinds; validation itself stays with the schema (invoke, for a tool), so the CLI reports
 * the same errors as MCP. Unknown flags and extra words are refused here.
 */
export function parseArgs(cmd: CommandShape, words: readonly string[]): Record<string, unknown> {
  const flags = flagsOf(cmd.schema);
  const out: Record<string, unknown> = {};
  const positional = [...cmd.positional];
  const command = `mahavishnu ${cmd.path.join(' ')}`;
  const set = (f: FlagInfo, raw: string) => {
    if (f.kind === 'array') {
      const list = (out[f.key] as unknown[] | undefined) ?? [];
      list.push(...raw.split(',').map((v) => convert(f.element, v)));
      out[f.key] = list;
    } else if (f.kind === 'record') {
      const eq = raw.indexOf('=');
      if (eq < 1) throw invalid(`--${f.flag} takes key=value, got "${raw}"`);
      const rec = (out[f.key] as Record<string, string> | undefined) ?? {};
      rec[raw.slice(0, eq)] = raw.slice(eq + 1);
      out[f.key] = rec;
    } else {
      out[f.key] = convert(f.kind, raw);
    }
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') {
      for (const rest of words.slice(i + 1)) takePositional(rest);
      break;
    }
    if (w.startsWith('--') && w.length > 2) {
      const eq = w.indexOf('=');
      let name = eq > 0 ? w.slice(2, eq) : w.slice(2);
      let inline: string | undefined = eq > 0 ? w.slice(eq + 1) : undefined;
      let f = findFlag(flags, name);
      if (!f && name.startsWith('no-')) {
        const neg = findFlag(flags, name.slice(3));
        if (neg?.kind === 'boolean' && inline === undefined) {
          f = neg;
          name = name.slice(3);
          inline = 'false';
        }
      }
      if (!f) {
        // the global options are suggested too: they are accepted after any command
        const guess = closest(name, [...flags.map((x) => x.flag), ...GLOBAL_FLAGS]);
        throw invalid(
          `unknown option --${name}${guess ? ` (did you mean --${guess}?)` : ''}; run \`${command} --help\``,
        );
      }
      if (f.kind === 'boolean' && inline === undefined) {
        const next = words[i + 1];
        if (next === 'true' || next === 'false') {
          set(f, next);
          i++;
        } else set(f, 'true');
        continue;
      }
      if (inline === undefined) {
        const next = words[i + 1];
        if (next === undefined) throw invalid(`--${f.flag} needs a value`);
        inline = next;
        i++;
      }
      set(f, inline);
      continue;
    }
    takePositional(w);
  }
  return out;

  function takePositional(w: string) {
    const key = positional.shift();
    if (!key) {
      throw invalid(`unexpected argument "${w}"; run \`${command} --help\` for the accepted arguments`);
    }
    const f = flags.find((x) => x.key === key)!;
    set(f, w);
  }
}
