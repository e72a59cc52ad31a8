import { describe, expect, it } from 'vitest';
import { StuckWatch } from './stuck-watch.js';

const never = () => new Promise<never>(() => {});
const settle = <T>(p: Promise<T>) =>
  p.then(
    (v) => ({ ok: v }),
    (e: { code?: string; message?: string }) => ({ code: e.code, message: e.message }),
  );

describe('StuckWatch', () => {
  it('rejects calls older than a lost connection with unavailable when the store cannot be reached, then resets', async () => {
    let resets = 0;
    const w = new StuckWatch({
      probe: () => Promise.reject(new Error('ECONNREFUSED')),
      afterMs: 50,
      reset: async () => void resets++,
    });
    const stranded = settle(w.track(never));
    w.suspect();
    await new Promise((r) => setTimeout(r, 5));
    const later = settle(w.track(never));
    const out = await stranded;
    expect(out.code).toBe('unavailable');
    expect(out.message).toContain('runbook://incident-response');
    await new Promise((r) => setTimeout(r, 20));
    expect(resets).toBe(1);
    // a call that began after the connection closed is not a suspect of that close
    expect(await Promise.race([later, new Promise((r) => setTimeout(() => r('still running'), 100))])).toBe(
      'still running',
    );
  });

  it('leaves a long call alone while the store answers', async () => {
    let resets = 0;
    const w = new StuckWatch({ probe: async () => {}, afterMs: 20, reset: async () => void resets++ });
    const long = settle(w.track(() => new Promise((r) => setTimeout(() => r('done'), 150))));
    w.suspect();
    expect(await long).toEqual({ ok: 'done' });
    expect(resets).toBe(0);
  });

  it('passes results and errors of calls through unchanged', async () => {
    const w = new StuckWatch({ probe: async () => {}, afterMs: 20, reset: async () => {} });
    expect(await w.track(async () => 42)).toBe(42);
    await expect(w.track(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  });
});
