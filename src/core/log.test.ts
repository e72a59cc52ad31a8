import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redactLogObject } from './log.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, log: createLogger('info', 'test', stream) };
}

describe('log redaction', () => {
  it('replaces secret keys at the top and two levels down, keeps the rest', async () => {
    const { lines, log } = capture();
    log.info(
      {
        token: 'T',
        user: { name: 'a', password: 'P', nested: { api_key: 'K', ok: 1 } },
        list: [{ secret: 'S', id: 2 }],
        tool: 'pool_scale',
      },
      'line',
    );
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({
      token: '[redacted]',
      user: { name: 'a', password: '[redacted]', nested: { api_key: '[redacted]', ok: 1 } },
      list: [{ secret: '[redacted]', id: 2 }],
      tool: 'pool_scale',
      msg: 'line',
    });
    expect(JSON.stringify(lines[0])).not.toMatch(/"[TPKS]"/);
  });

  it('keeps errors whole and never changes the caller’s object', async () => {
    const { lines, log } = capture();
    const input = { authorization: 'Bearer x', a: 1 };
    log.error({ err: new Error('boom'), input }, 'failed');
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({
      err: { message: 'boom' },
      input: { authorization: '[redacted]', a: 1 },
    });
    expect(input.authorization).toBe('Bearer x');
  });

  it('returns an object without secrets as it is (no copy)', () => {
    const o = { tool: 'x', ms: 1, nested: { a: 1 } };
    expect(redactLogObject(o)).toBe(o);
  });
});
