// The baseline servers of bench/http.js and bench/stdio.js, one per role, run as children:
//   node bench/baselines.js trivial-http   raw TCP, one canned HTTP answer per request: the
//                                          ceiling of the load generator (it does no HTTP work)
//   node bench/baselines.js bare-http      node:http answering /health with the same JSON as ours
//   node bench/baselines.js sdk-http       the v2 SDK's minimal McpServer (bench/sdk-echo.js) over
//                                          Streamable HTTP (@modelcontextprotocol/node), one
//                                          transport per session
//   node bench/baselines.js sdk-http-modern the same server over the SDK's 2026-07-28 stateless
//                                          handler (createMcpHandler + toNodeHandler): one
//                                          McpServer per request, as the SDK serves that revision
//   node bench/baselines.js trivial-stdio  one canned JSON-RPC answer per line: the ceiling of the
//                                          stdio client
// HTTP roles print `listening on <url>` on stderr.
import { createServer as createHttp } from 'node:http';
import { createServer as createTcp } from 'node:net';

const listening = (server) =>
  server.listen(0, '127.0.0.1', () =>
    process.stderr.write(`listening on http://127.0.0.1:${server.address().port}\n`),
  );

const role = process.argv[2];
if (role === 'trivial-http') {
  const body = '{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"hi"}]}}';
  const answer = Buffer.from(
    `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
  );
  listening(
    createTcp((socket) => {
      let buf = '';
      socket.setEncoding('latin1');
      socket.on('data', (d) => {
        buf += d;
        let n = 0;
        for (;;) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) break;
          const len = /content-length:\s*(\d+)/i.exec(buf.slice(0, end));
          const total = end + 4 + (len ? Number(len[1]) : 0);
          if (buf.length < total) break;
          buf = buf.slice(total);
          n++;
        }
        if (n) socket.write(n === 1 ? answer : Buffer.concat(Array(n).fill(answer)));
      });
      socket.on('error', () => {});
    }),
  );
} else if (role === 'bare-http') {
  const started = Date.now();
  listening(
    createHttp((req, res) => {
      if (req.url === '/health') {
        const body = JSON.stringify({
          status: 'ok',
          version: '0.1.0',
          uptime_s: Math.floor((Date.now() - started) / 1000),
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
      } else res.writeHead(404).end();
    }),
  );
} else if (role === 'sdk-http') {
  // the v2 SDK's node:http transport (@modelcontextprotocol/node), one per session, as its README
  const { makeEchoServer } = await import('./sdk-echo.js');
  const { NodeStreamableHTTPServerTransport } = await import('@modelcontextprotocol/node');
  const { randomUUID } = await import('node:crypto');
  const sessions = new Map();
  listening(
    createHttp(async (req, res) => {
      const id = req.headers['mcp-session-id'];
      let t = id && sessions.get(id);
      if (!t) {
        t = new NodeStreamableHTTPServerTransport({
          sessionIdGenerator: randomUUID,
          onsessioninitialized: (sid) => sessions.set(sid, t),
        });
        await makeEchoServer().connect(t);
      }
      await t.handleRequest(req, res);
    }),
  );
} else if (role === 'sdk-http-modern') {
  const { makeEchoServer } = await import('./sdk-echo.js');
  const { createMcpHandler } = await import('@modelcontextprotocol/server');
  const { toNodeHandler } = await import('@modelcontextprotocol/node');
  listening(createHttp(toNodeHandler(createMcpHandler(() => makeEchoServer(), { legacy: 'reject' }))));
} else if (role === 'trivial-stdio') {
  let buf = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d) => {
    buf += d;
    let out = '';
    let nl = buf.indexOf('\n');
    while (nl >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const id = /"id":\s*(\d+)/.exec(line);
      if (id)
        out += `{"jsonrpc":"2.0","id":${id[1]},"result":{"protocolVersion":"2025-06-18","capabilities":{},"serverInfo":{"name":"t","version":"1"},"content":[{"type":"text","text":"hi"}]}}\n`;
      nl = buf.indexOf('\n');
    }
    if (out) process.stdout.write(out);
  });
} else {
  console.error(`unknown role ${role}; see the comment at the top of bench/baselines.js`);
  process.exit(2);
}
