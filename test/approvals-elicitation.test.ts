import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, cliAsync } from './helpers/cli.js';
import { bearer, startTestServer, type TestServer } from './helpers/server.js';

type CallResult = Awaited<ReturnType<Client['callTool']>>;
const textOf = (r: CallResult) => (r.content as { text: string }[]).map((c) => c.text);

/**
 * A client that declares URL-mode elicitation gets approve_url as a URL elicitation, and its call
 * finishes once a person decides, here on the host (`mahavishnu approve`), never through MCP.
 */
describe('approval_required as a URL elicitation', () => {
  let t: TestServer;
  let agent: Client;
  let env: Record<string, string>;
  const seen: Array<{ mode: string; url: string; elicitationId: string }> = [];
  const completed: string[] = [];
  /** What the client's person does with the page: a function of the elicitation. */
  let person: (e: { url: string; elicitationId: string }) => Promise<'accept' | 'decline'>;
  const host = (args: string[]) => cliAsync([...args, '--config-dir', t.core.settings.dir!], env);

  beforeAll(async () => {
    t = await startTestServer({ approvals: { elicitation_wait_seconds: 30 } });
    env = childEnv(t.core.config.data.dir);
    const token = await t.tokenFor('admin', 'agent');
    agent = new Client({ name: 'agent', version: '1.0.0' }, { capabilities: { elicitation: { url: {} } } });
    agent.setRequestHandler(ElicitRequestSchema, async (req) => {
      const p = req.params as { mode: string; url: string; elicitationId: string };
      seen.push(p);
      return { action: await person(p) };
    });
    agent.setNotificationHandler(
      (await import('@modelcontextprotocol/sdk/types.js')).ElicitationCompleteNotificationSchema,
      (n) => {
        completed.push(n.params.elicitationId);
      },
    );
    await agent.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', t.url), { requestInit: { headers: bearer(token) } }),
    );
  });
  afterAll(async () => {
    await agent?.close();
    await t?.stop();
  });

  const rotate = () =>
    agent.callTool({ name: 'security_rotate_jwt_secret', arguments: {} }, undefined, { timeout: 60_000 });

  it('opens the page as a URL elicitation; the call finishes once the host approves, and the approval is used', async () => {
    const keysBefore = (await t.core.keys.list()).length;
    person = async ({ elicitationId }) => {
      // the person decides outside MCP, after the client showed the page
      setTimeout(() => void host(['approve', elicitationId, '--yes']), 300);
      return 'accept';
    };
    const r = await rotate();
    expect(r.isError, textOf(r).join('\n')).toBeFalsy();
    expect(r.structuredContent).toMatchObject({ kid: expect.any(String) });
    expect((await t.core.keys.list()).length).toBe(keysBefore + 1);
    const e = seen.at(-1)!;
    expect(e.mode).toBe('url');
    expect(e.url).toBe(`${t.url}/approvals/${e.elicitationId}`);
    expect((await t.core.approvals.get(e.elicitationId)).state).toBe('used');
    expect(completed).toContain(e.elicitationId);
  });

  it('a declined elicitation answers approval_required at once, with nothing done', async () => {
    const keysBefore = (await t.core.keys.list()).length;
    person = async () => 'decline';
    const r = await rotate();
    expect(r.isError).toBe(true);
    expect(textOf(r)[0]).toMatch(/^approval_required: /);
    expect((await t.core.approvals.get(seen.at(-1)!.elicitationId)).state).toBe('pending');
    expect((await t.core.keys.list()).length).toBe(keysBefore);
  });

  it('a denial on the host ends the waiting call as refused', async () => {
    const keysBefore = (await t.core.keys.list()).length;
    person = async ({ elicitationId }) => {
      setTimeout(() => void host(['deny', elicitationId, '--yes']), 300);
      return 'accept';
    };
    const r = await rotate();
    expect(r.isError).toBe(true);
    expect(textOf(r)[0]).toMatch(/^forbidden: approval .* is refused: .* denied it/);
    expect((await t.core.keys.list()).length).toBe(keysBefore);
  });
});
