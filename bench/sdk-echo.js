// The baseline for bench/cold-start.js: the MCP SDK's own minimal server, one echo tool, over stdio.
// Not a benchmark itself (bench/run.js skips it); run by cold-start.js as a child.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'bare', version: '1.0.0' });
server.registerTool(
  'echo',
  {
    description: 'Echo the text back',
    inputSchema: { text: z.string() },
    annotations: { readOnlyHint: true },
  },
  async ({ text }) => ({ content: [{ type: 'text', text }] }),
);
await server.connect(new StdioServerTransport());
