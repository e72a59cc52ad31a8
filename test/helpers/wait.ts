import { TestRunner } from 'vitest';

type Maybe<T> = T | undefined | null | false;

/** Time kept back from a test's timeout, so this helper's message (what was awaited) is the failure. */
const MARGIN_MS = 1_000;
/** Budget in hooks (beforeAll …: hookTimeout is 60 s) and the most a test's default gets. */
const DEFAULT_MS = 20_000;

/**
 * The one polling helper of the suite: call fn every `everyMs` until it returns a truthy value.
 * A throw counts as "not yet" (a server still starting refuses connections); on timeout the error
 * names what was awaited and the last throw. The budget must fit inside the running test's own
 * timeout (checked: a longer one is a mistake in the test, not a slow machine); without one it is
 * what is left of the test's time, at most 20 s.
 */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<Maybe<T>> | Maybe<T>,
  timeoutMs?: number,
  everyMs = 50,
): Promise<T> {
  const budget = budgetFor(what, timeoutMs);
  const deadline = Date.now() + budget;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${budget} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

function budgetFor(what: string, timeoutMs: number | undefined): number {
  const test = TestRunner.getCurrentTest();
  if (!test) return timeoutMs ?? DEFAULT_MS;
  const elapsed = test.result?.startTime ? Date.now() - test.result.startTime : 0;
  const left = test.timeout - elapsed - MARGIN_MS;
  if (timeoutMs === undefined) return Math.max(0, Math.min(DEFAULT_MS, left));
  if (timeoutMs > left)
    throw new Error(
      `waitFor(${what}): a ${timeoutMs} ms budget does not fit in what is left of the test's ${test.timeout} ms timeout (${left} ms); give the test a longer timeout`,
    );
  return timeoutMs;
}
