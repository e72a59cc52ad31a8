import type { z } from 'zod';

/** Levenshtein distance, for "did you mean" hints on misspelled keys. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

export function closest(word: string, choices: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of choices) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** The keys an object schema at `path` accepts, when the schema is an object there. */
function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let s: unknown = schema;
  for (const seg of [...path, null]) {
    // unwrap optional/default/nullable/pipe wrappers
    for (let i = 0; i < 8; i++) {
      const def = (s as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
      if (!def) return [];
      if (def.innerType) s = def.innerType;
      else if (def.type === 'pipe' && def.in) s = def.in;
      else break;
    }
    const def = (s as { _zod: { def: Record<string, unknown> } })._zod.def;
    if (seg === null) return def.type === 'object' ? Object.keys(def.shape as object) : [];
    if (def.type === 'object') s = (def.shape as Record<string, unknown>)[String(seg)];
    else if (def.type === 'array') s = def.element;
    else if (def.type === 'record') s = def.valueType;
    else return [];
  }
  return [];
}

export const formatPath = (path: readonly PropertyKey[]) =>
  path.length === 0 ? '(root)' : path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.');

/** Keys that were settings once, with what to do instead (a file written for an older build says so). */
const REMOVED: Record<string, string> = {
  'cache.ttl':
    'removed: every cached value has its own lifetime (auth.principal_cache_ttl_s, cache.health_ttl_s, approvals.session_seconds); delete the line',
};

/** One line per problem: key path, what is wrong, and how to fix it. */
export function describeIssues(schema: z.ZodType, error: z.ZodError): string[] {
  const lines: string[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = keysAt(schema, issue.path);
      for (const key of issue.keys) {
        const guess = closest(key, allowed);
        const where = formatPath([...issue.path, key]);
        if (REMOVED[where]) {
          lines.push(`${where}: ${REMOVED[where]}`);
          continue;
        }
        lines.push(
          `${where}: unknown key${guess ? ` (did you mean "${guess}"?)` : ''}; allowed keys: ${allowed.join(', ') || 'none'}`,
        );
      }
    } else {
      lines.push(`${formatPath(issue.path)}: ${issue.message}`);
    }
  }
  return lines;
}
