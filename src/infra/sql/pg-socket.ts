import { connect, type Socket } from 'node:net';

/**
 * The sockets the PostgreSQL driver uses, made so a reset connection strands no query.
 *
 * postgres.js (3.4.9, the newest) keeps a connection in its pool from the socket's 'error' event
 * until its 'close' event, which Node emits a loop turn later; its close handler settles pending
 * queries only after a clean close, as it counts on the error handler to have done so. A query
 * handed to the connection in between — after an RST to a pool of several connections, the next
 * call often is — was never settled: it waited until the pool was torn down. These sockets hold
 * an error back and deliver it right before 'close', so there is no "in between": every query on
 * the connection, however late it came, is rejected with the reset, then the connection closes.
 */
export function socketFactory(url: string): ((o: { host: string[]; port: number[] }) => Socket) | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  // the driver's own sockets for what these do not cover: TLS (it wraps the socket itself after
  // the SSL request), several hosts (it rotates them), a Unix socket folder
  const params = [...u.searchParams.keys()];
  if (params.some((k) => /^(ssl|sslmode|sslnegotiation|host|target_session_attrs)$/.test(k)))
    return undefined;
  if (u.host.includes(',') || !u.hostname) return undefined;
  return (o) => withErrorAtClose(connect({ host: o.host[0], port: o.port[0] ?? 5432 }));
}

function withErrorAtClose(socket: Socket): Socket {
  const emit = socket.emit.bind(socket);
  let held: unknown;
  socket.emit = ((event: string | symbol, ...args: unknown[]) => {
    if (event === 'error') {
      // a socket that errs is destroyed; its 'close' follows
      held ??= args[0];
      return true;
    }
    if (event === 'close' && held !== undefined) {
      const e = held;
      held = undefined;
      emit('error', e);
    }
    return emit(event, ...args);
  }) as Socket['emit'];
  return socket;
}
