type Maybe<T> = T | undefined | null | false;

/** Poll until fn returns a truthy value (or throw after timeoutMs, naming what was awaited). */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<Maybe<T>> | Maybe<T>,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
