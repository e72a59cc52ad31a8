import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './runbook.js';

/** Metric names a PromQL expression reads (mahavishnu_* and the process/Prometheus ones it uses). */
export function metricNames(expr: string): string[] {
  const names = expr.match(
    /\b(mahavishnu_[a-z0-9_]+|process_[a-z0-9_]+|nodejs_[a-z0-9_]+|up)\b(?![(a-z0-9_])/g,
  );
  return [...new Set(names ?? [])];
}

/**
 * Series names a /metrics scrape can produce: every family from its `# TYPE` lines (so labelled
 * metrics with no sample yet count), with _bucket/_sum/_count for histograms and summaries.
 */
export function scrapedNames(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    out.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(name + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) out.add(name + s);
  }
  return out;
}

/** Family name of a series name (strip the histogram suffixes). */
const family = (name: string) => name.replace(/_(bucket|sum|count)$/, '');

let sourceCache: string | undefined;
/**
 * Whether src/ defines a metric: a non-test source file gives its name to a constructor
 * (`name: 'mahavishnu_x'`) or a constant (`= 'mahavishnu_x'`); a file that only reads it does not count.
 */
export function definedInSource(name: string): boolean {
  if (sourceCache === undefined) {
    const parts: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (f.endsWith('.ts') && !f.endsWith('.test.ts')) parts.push(readFileSync(p, 'utf8'));
      }
    };
    walk(join(ROOT, 'src'));
    sourceCache = parts.join('\n');
  }
  return new RegExp(`(name:|=)\\s*['"\`]${family(name)}['"\`]`).test(sourceCache);
}

/**
 * The mahavishnu_* names no merged domain defines yet (pools, backups, breakers and reload land
 * from other branches): these cannot be in a scrape of this build.
 */
export function notYetDefined(queried: string[]): string[] {
  return [...new Set(queried)].filter((n) => n.startsWith('mahavishnu_') && !definedInSource(n)).sort();
}
