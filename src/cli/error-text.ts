import { toolByName } from '../tools/index.js';

/** A tool named in backticks, maybe with its arguments as JSON: `pool_update {"pool":"prod","max":15}`. */
const TOOL_CALL = /`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?: (\{[^`]*\}))?`/g;

const flag = (key: string, v: unknown): string | undefined =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean'
    ? `--${key.replace(/_/g, '-')} ${v}`
    : Array.isArray(v) && v.every((x) => typeof x !== 'object')
      ? `--${key.replace(/_/g, '-')} ${v.join(',')}`
      : undefined;

/**
 * Error texts are written for MCP and HTTP callers and name tools as those know them (a tool
 * name, or a call: `pool_update {"pool":"prod","max":15}`); on the command line the same text
 * names the command instead (`mahavishnu pool update prod --max 15`). A name that is not a tool,
 * or arguments a command line cannot carry, are left as written.
 */
export function cliErrorText(message: string): string {
  return message.replace(TOOL_CALL, (whole, name: string, json: string | undefined) => {
    const tool = toolByName.get(name);
    if (!tool) return whole;
    const words = ['mahavishnu', ...tool.cliPath];
    if (json) {
      let args: Record<string, unknown>;
      try {
        args = JSON.parse(json) as Record<string, unknown>;
      } catch {
        return whole;
      }
      const positional = tool.positional;
      for (const key of positional) {
        if (!(key in args)) continue;
        const v = args[key];
        if (typeof v !== 'string' && typeof v !== 'number') return whole;
        words.push(String(v));
      }
      for (const [key, v] of Object.entries(args)) {
        if (positional.includes(key)) continue;
        const f = flag(key, v);
        if (!f) return whole;
        words.push(f);
      }
    }
    return `\`${words.join(' ')}\``;
  });
}

/**
 * A result as the command line shows it: every text in it read as cliErrorText reads an error
 * (the next steps a result names, e.g. rotate-secrets' details, become commands). For the human
 * rendering only; --json prints the result as the tool returned it.
 */
export function cliTexts(value: unknown): unknown {
  if (typeof value === 'string') return cliErrorText(value);
  if (Array.isArray(value)) return value.map(cliTexts);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cliTexts(v)]));
  return value;
}
