// The baseline server of bench/cold-start.js, bench/http.js and bench/stdio.js: the MCP SDK's own
// minimal McpServer with one echo tool, on the SDK the server runs on (v2,
// @modelcontextprotocol/server). Run as a script, it serves over stdio (bench/run.js skips it).
import { fileURLToPath } from 'node:url';
import { McpServer } from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

export function makeEchoServer() {
  const server = new McpServer({ name: 'bare', version: '1.0.0' });
  server.registerTool(
    'echo',
    {
      description: 'Echo the text back',
      inputSchema: z.object({ text: z.string() }),
      annotations: { readOnlyHint: true },
    },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );
  return server;
}

if (process.argv[1] === fileURLToPath(import.meta.url))
  await makeEchoServer().connect(new StdioServerTransport());
