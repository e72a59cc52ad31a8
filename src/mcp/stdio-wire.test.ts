import { PassThrough } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { GuardedStdio } from './stdio-wire.js';

function wire() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const chunks: string[] = [];
  stdout.on('data', (d) => chunks.push(String(d)));
  const t = new GuardedStdio(stdin, stdout, () => {});
  return { t, chunks };
}

describe('GuardedStdio writes', () => {
  it('sends the messages of one turn in one write, in order', async () => {
    const { t, chunks } = wire();
    await t.start();
    const sent = [
      t.send({ jsonrpc: '2.0', id: 1, result: {} }),
      t.sendLine('{"jsonrpc":"2.0","id":2,"result":{}}'),
      t.send({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x' } }),
    ];
    expect(chunks).toEqual([]);
    await Promise.all(sent);
    await nextTurn();
    expect(chunks).toHaveLength(1);
    expect(
      chunks[0]!
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).id ?? 'note'),
    ).toEqual([1, 2, 'note']);
  });

  it('writes what waits when it closes, and refuses to send after', async () => {
    const { t, chunks } = wire();
    await t.start();
    void t.sendLine('{"jsonrpc":"2.0","id":7,"result":{}}');
    await t.close();
    await nextTurn();
    expect(chunks.join('')).toContain('"id":7');
    await expect(t.sendLine('{}')).rejects.toThrow(/closed/);
  });
});
