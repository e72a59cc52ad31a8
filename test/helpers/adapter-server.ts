import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/**
 * A local HTTP adapter that fails on demand: `ok` answers 200, `fail` answers 500 (the health
 * path too), `missing` answers 404, `hold` keeps requests waiting until release(). It counts what it received.
 */
export async function adapterServer() {
  let mode: 'ok' | 'fail' | 'hold' | 'missing' = 'ok';
  const held: ServerResponse[] = [];
  const stats = { requests: 0, health: 0, connections: 0, closed: 0 };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const isHealth = req.url === '/health';
    if (isHealth) stats.health++;
    else stats.requests++;
    req.resume();
    if (mode === 'fail') {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"boom"}');
    } else if (mode === 'missing') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no such thing"}');
    } else if (mode === 'hold' && !isHealth) {
      held.push(res);
    } else {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: true, path: req.url }));
    }
  });
  server.on('connection', (s) => {
    stats.connections++;
    s.on('close', () => stats.closed++);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    stats,
    set: (m: typeof mode) => {
      mode = m;
    },
    /** Answer every held request with 200. */
    release: () => {
      for (const res of held.splice(0))
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true,"held":true}');
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
