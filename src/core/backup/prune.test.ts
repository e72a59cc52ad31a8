import { describe, expect, it } from 'vitest';
import { retention } from './prune.js';
import type { BackupSummary } from './schemas.js';

const b = (id: string, created: string, verified_ok: boolean | null = null): BackupSummary => ({
  id,
  type: 'full',
  size_bytes: 1,
  created,
  location: id,
  last_verified: null,
  verified_ok,
});

describe('retention', () => {
  // two a day for 40 days, newest first
  const all = Array.from({ length: 80 }, (_, i) => {
    const day = new Date(Date.UTC(2025, 0, 1) + Math.floor(i / 2) * 86_400_000);
    const at = new Date(day.getTime() + (i % 2) * 3600_000);
    return b(`backup_${i}`, at.toISOString());
  });

  it('keeps the N newest, and the newest of each of the last days, weeks and months', () => {
    const { keep, drop } = retention(all, { keep_last: 3, keep_daily: 5, keep_weekly: 3, keep_monthly: 2 });
    expect(keep.get('backup_79')).toEqual(
      expect.arrayContaining(['last', 'daily 2025-02-09', 'monthly 2025-02']),
    );
    expect(keep.has('backup_77')).toBe(true); // last 3
    expect(keep.has('backup_76')).toBe(false); // second of a day already kept
    expect(keep.has('backup_71')).toBe(true); // newest of the fifth day
    expect(keep.get('backup_61')).toEqual(['monthly 2025-01']);
    expect(drop.length + keep.size).toBe(80);
  });

  it('never drops the newest verified backup, whatever the policy', () => {
    const list = all.map((x) => (x.id === 'backup_10' ? { ...x, verified_ok: true } : x));
    const { keep } = retention(list, { keep_last: 0, keep_daily: 0, keep_weekly: 0, keep_monthly: 0 });
    expect([...keep.keys()]).toEqual(['backup_10']);
  });

  it('keeps one backup with every keep-* at 0 and none verified: the newest that did not fail', () => {
    const list = all.map((x) => (x.id === 'backup_79' ? { ...x, verified_ok: false } : x));
    const { keep, drop } = retention(list, { keep_last: 0, keep_daily: 0, keep_weekly: 0, keep_monthly: 0 });
    expect([...keep.keys()]).toEqual(['backup_78']);
    expect(drop).toHaveLength(79);
  });
});
