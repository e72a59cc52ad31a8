import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type pino from 'pino';
import { describe, expect, it } from 'vitest';
import { TurnBatched } from './log-stream.js';

/** A sonic-boom stand-in that records each write it is given. */
function recorder() {
  const writes: string[] = [];
  const dest = {
    write: (s: string) => writes.push(s) > 0,
    flush: (cb?: () => void) => cb?.(),
    flushSync: () => {},
  } as unknown as ReturnType<typeof pino.destination>;
  return { writes, stream: new TurnBatched(dest) };
}

describe('the log stream: one write per event-loop turn', () => {
  it('writes the lines of one turn together, in order, at the end of the turn', async () => {
    const { writes, stream } = recorder();
    stream.write('a\n');
    stream.write('b\n');
    stream.write('c\n');
    expect(writes).toEqual([]);
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n']);
    stream.write('d\n');
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('writes what waits when flushed (pino logger.flush)', () => {
    const { writes, stream } = recorder();
    stream.write('x\n');
    stream.flush();
    expect(writes).toEqual(['x\n']);
  });

  it('loses no line when the process exits in the turn that logged it', () => {
    // the built module (npm test builds before it runs the tests)
    const log = resolve(import.meta.dirname, '../../dist/core/log.js');
    const { stderr } = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(log)}); m.createLogger('info').info('last words'); process.exit(0);`,
      ],
      { encoding: 'utf8' },
    );
    expect(stderr).toContain('"msg":"last words"');
  });
});
