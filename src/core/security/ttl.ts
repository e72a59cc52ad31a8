/** Token lifetimes as settings and tools write them; no imports, so the settings schema can use it. */

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const MAX_TTL_S = 366 * 86_400;
export const TTL_RULE = 'is not a duration up to 366d: write a number and a unit, e.g. 15m, 1h or 7d';

/** "90s", "15m", "1h", "7d" → seconds; undefined when it is not a duration of 1 s to 366 d. */
export function ttlSeconds(ttl: string): number | undefined {
  const m = /^(\d+)\s*([smhd])$/.exec(ttl.trim());
  const seconds = m ? Number(m[1]) * UNITS[m[2]!]! : Number.NaN;
  return Number.isFinite(seconds) && seconds > 0 && seconds <= MAX_TTL_S ? seconds : undefined;
}
