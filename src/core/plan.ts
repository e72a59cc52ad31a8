import { createHash } from 'node:crypto';

/**
 * What a destructive call would do, computed from live state: the steps in words, the impact in
 * numbers and names, and the basis (the state the plan saw) whose fingerprint an approval is
 * bound to. Without a basis the impact (or the steps) is the basis.
 */
export interface Plan {
  steps: string[];
  impact?: Record<string, unknown>;
  basis?: unknown;
}

export const planOf = (p: string[] | Plan): Plan => (Array.isArray(p) ? { steps: p } : p);

/** JSON with object keys sorted, so equal values hash equal whatever order their keys came in. */
export function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const fingerprintOf = (p: Plan): string => sha256(canonical(p.basis ?? p.impact ?? p.steps));
