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
