import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** runbooks/ at the package root (beside dist/ and src/, so both resolve it the same way). */
export const RUNBOOK_DIR = resolve(import.meta.dirname, '../../runbooks');

const FrontMatter = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  title: z.string().min(1),
  description: z.string().min(1),
  /** Incident prompts served from this runbook: prompt name → the heading of its section. */
  scenarios: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), z.string()).default({}),
});

export interface Runbook extends z.infer<typeof FrontMatter> {
  uri: string;
  /** The Markdown body, without the front matter. */
  body: string;
}

/** Parse `---\nyaml\n---\nbody`; a file without valid front matter is an error, not skipped. */
export function parseRunbook(file: string, text: string): Runbook {
  const m = /^---\n([\s\S]*?)\n---\n?([\s\S]*)$/.exec(text);
  if (!m) throw new Error(`${file}: a runbook starts with YAML front matter between --- lines`);
  const fm = FrontMatter.safeParse(parseYaml(m[1]!));
  if (!fm.success)
    throw new Error(
      `${file}: front matter: ${fm.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return { ...fm.data, uri: `runbook://${fm.data.name}`, body: m[2]!.trim() };
}

let cached: Runbook[] | undefined;

/** Every runbook, by file name order (read once per process: they ship with the build). */
export function loadRunbooks(dir = RUNBOOK_DIR): Runbook[] {
  if (dir === RUNBOOK_DIR && cached) return cached;
  const list = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.md'))
        .sort()
        .map((f) => parseRunbook(f, readFileSync(join(dir, f), 'utf8')))
    : [];
  if (dir === RUNBOOK_DIR) cached = list;
  return list;
}

/**
 * The section under a heading: from the heading line to the next heading of the same or a
 * higher level. Matching ignores case and a leading "Scenario N:".
 */
export function section(body: string, heading: string): string | undefined {
  const lines = body.split('\n');
  const norm = (s: string) =>
    s
      .toLowerCase()
      .replace(/^#+\s*/, '')
      .trim();
  const start = lines.findIndex((l) => /^#{1,6}\s/.test(l) && norm(l) === norm(heading));
  if (start < 0) return undefined;
  const level = /^#+/.exec(lines[start]!)![0].length;
  let end = lines.length;
  let inFence = false;
  for (let i = start + 1; i < lines.length; i++) {
    if (lines[i]!.startsWith('```')) inFence = !inFence;
    const h = !inFence && /^(#+)\s/.exec(lines[i]!);
    if (h && h[1]!.length <= level) {
      end = i;
      break;
    }
  }
  return lines.slice(start, end).join('\n').trim();
}
