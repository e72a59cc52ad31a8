import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse, stringify } from 'yaml';

/** Setting names whose values are secrets (matched as substrings of the key). */
const SECRET_NAMES = [
  'signing_key',
  'encryption_key',
  'password',
  'secret',
  'private_key',
  'api_key',
  'access_key',
  'token_secret',
];

export const REMOVED = '[removed]';

function scrub(v: unknown, key = ''): unknown {
  if (SECRET_NAMES.some((s) => key.toLowerCase().includes(s)) && v !== '' && v !== null) return REMOVED;
  if (typeof v === 'string') return stripUrlPassword(v);
  if (Array.isArray(v)) return v.map((x) => scrub(x));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x, k)]));
  return v;
}

/** postgres://user:pw@host/db → postgres://user:[removed]@host/db */
function stripUrlPassword(s: string): string {
  return s.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):([^@\s]+)@/i, `$1:${REMOVED}@`);
}

/** The settings files in force, re-written with secret values removed (comments are not kept). */
export function scrubbedSettings(sources: string[]): { name: string; content: Buffer }[] {
  const out: { name: string; content: Buffer }[] = [];
  const used = new Set<string>();
  for (const path of sources) {
    let name = basename(path);
    while (used.has(name)) name = `_${name}`;
    used.add(name);
    let doc: unknown;
    try {
      doc = parse(readFileSync(path, 'utf8')) ?? {};
    } catch {
      continue;
    }
    const head = `# ${path} at backup time; secret values are replaced by "${REMOVED}".\n`;
    out.push({ name, content: Buffer.from(head + stringify(scrub(doc))) });
  }
  return out;
}
