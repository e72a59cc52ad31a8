import type { BackupSummary, Retention } from './schemas.js';

/** ISO-8601 week key (e.g. 2025-W06) of a UTC time. */
function isoWeek(ms: number): string {
  const d = new Date(ms);
  const day = (d.getUTCDay() + 6) % 7;
  const thursday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day + 3));
  const jan4 = new Date(Date.UTC(thursday.getUTCFullYear(), 0, 4));
  const week =
    1 +
    Math.round((thursday.getTime() - jan4.getTime()) / 604_800_000 - (((jan4.getUTCDay() + 6) % 7) - 3) / 7);
  return `${thursday.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/**
 * Which backups a retention policy keeps, and why. The newest backup of each of the last
 * keep_daily days (weeks, months) is kept, as are the keep_last newest; the newest verified
 * backup is always kept, whatever the policy says.
 */
export function retention(
  backups: BackupSummary[],
  p: Retention,
): { keep: Map<string, string[]>; drop: BackupSummary[] } {
  const sorted = [...backups].sort((a, b) => b.created.localeCompare(a.created) || b.id.localeCompare(a.id));
  const keep = new Map<string, string[]>();
  const why = (id: string, reason: string) => keep.set(id, [...(keep.get(id) ?? []), reason]);
  for (const b of sorted.slice(0, p.keep_last)) why(b.id, 'last');
  const buckets = (n: number, label: string, keyOf: (ms: number) => string) => {
    const seen = new Set<string>();
    for (const b of sorted) {
      const k = keyOf(Date.parse(b.created));
      if (seen.has(k)) continue;
      if (seen.size >= n) break;
      seen.add(k);
      why(b.id, `${label} ${k}`);
    }
  };
  buckets(p.keep_daily, 'daily', (ms) => new Date(ms).toISOString().slice(0, 10));
  buckets(p.keep_weekly, 'weekly', isoWeek);
  buckets(p.keep_monthly, 'monthly', (ms) => new Date(ms).toISOString().slice(0, 7));
  const newestVerified = sorted.find((b) => b.verified_ok === true);
  if (newestVerified) why(newestVerified.id, 'newest verified');
  // whatever the keep-* values (all 0 included), one restorable backup always stays: the newest
  // verified, else the newest that did not fail verification, else the newest
  else {
    const fallback = sorted.find((b) => b.verified_ok !== false) ?? sorted[0];
    if (fallback) why(fallback.id, 'newest (none verified): one backup is always kept');
  }
  return { keep, drop: sorted.filter((b) => !keep.has(b.id)) };
}
