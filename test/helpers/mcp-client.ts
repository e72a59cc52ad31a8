import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** An MCP client over Streamable HTTP with a bearer token: what a remote agent holds. */
export async function mcpOverHttp(url: string, token: string): Promise<McpAgent> {
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL('/mcp', url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    }),
  );
  return agent(client);
}

export type McpAgent = ReturnType<typeof agent>;

/** The few calls a scripted agent makes, with results as plain values. */
function agent(client: Client) {
  return {
    client,
    /**
     * Call a tool; resolves with its structured result, or with { error } carrying the error text
     * and, when the error has data (approval_required's approval_id and plan), that as { details }.
     */
    async tool(name: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
      const r = await client.callTool({ name, arguments: args });
      const blocks = (r.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '');
      const text = blocks[0] ?? '';
      if (r.isError) {
        const data = blocks.find((b) => b.startsWith('{"error"'));
        return data ? { error: text, details: JSON.parse(data).error } : { error: text };
      }
      return (r.structuredContent as Record<string, unknown>) ?? JSON.parse(text);
    },
    async prompt(name: string, args: Record<string, string> = {}): Promise<string> {
      const p = await client.getPrompt({ name, arguments: args });
      return p.messages.map((m) => (m.content.type === 'text' ? m.content.text : '')).join('\n');
    },
    async read(uri: string): Promise<string> {
      const r = await client.readResource({ uri });
      return r.contents.map((c) => ('text' in c ? c.text : '')).join('\n');
    },
    close: () => client.close(),
  };
}

/** The JSON block of live facts at the top of an incident prompt. */
export function promptFacts(text: string): Record<string, unknown> {
  const m = /```json\n([\s\S]*?)\n```/.exec(text);
  if (!m) throw new Error(`the prompt has no facts block:\n${text.slice(0, 500)}`);
  return JSON.parse(m[1]!) as Record<string, unknown>;
}
