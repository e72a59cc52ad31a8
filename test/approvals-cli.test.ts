import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupSettings } from './helpers/backup.js';
import { childEnv, cliAsync } from './helpers/cli.js';
import { bearer, startTestServer, type TestServer } from './helpers/server.js';
import { tempDir } from './helpers/tmp.js';

type CallResult = Awaited<ReturnType<Client['callTool']>>;
const textOf = (r: CallResult) => (r.content as { text: string }[]).map((c) => c.text);
const approvalOf = (r: CallResult) =>
  JSON.parse(textOf(r).find((x) => x.startsWith('{"error"'))!).error.approval_id as string;

describe('approvals decided on the host: mahavishnu approve / deny', () => {
  const archives = tempDir('mahavishnu-approvals-cli-');
  let t: TestServer;
  let agent: Client;
  let backup: string;
  let env: Record<string, string>;
  const setKv = (key: string) =>
    t.core.db.query('INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)', [
      `test.${key}`,
      'x',
      Date.now(),
    ]);
  const hasKv = async (key: string) =>
    (await t.core.db.query('SELECT 1 FROM kv WHERE key = $1', [`test.${key}`])).length === 1;
  const host = (args: string[]) => cliAsync([...args, '--config-dir', t.core.settings.dir!], env);

  beforeAll(async () => {
    t = await startTestServer(backupSettings(archives.path));
    const token = await t.tokenFor('admin', 'agent');
    backup = (await t.core.backups.create({ type: 'full' })).id;
    // kv is replaced by a restore (users are merged): the row tells whether a restore ran
    await setKv('after.backup');
    env = childEnv(t.core.config.data.dir);
    agent = new Client({ name: 'agent', version: '1.0.0' });
    await agent.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', t.url), { requestInit: { headers: bearer(token) } }),
    );
  });
  afterAll(async () => {
    await agent?.close();
    await t.stop();
    archives.remove();
  });

  it('approve <id> on the host lets the repeated call restore, once', async () => {
    const id = approvalOf(await agent.callTool({ name: 'backup_restore', arguments: { backup_id: backup } }));
    const listed = await host(['approval', 'list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout).approvals.map((a: { id: string }) => a.id)).toContain(id);
    // not a terminal and no --yes: refused, still pending
    const unconfirmed = await host(['approve', id]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('add --yes');
    expect((await t.core.approvals.get(id)).state).toBe('pending');
    const ok = await host(['approve', id, '--yes', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ id, state: 'approved' });
    const run = await agent.callTool({
      name: 'backup_restore',
      arguments: { backup_id: backup, approval_id: id },
    });
    expect(run.isError, textOf(run).join('\n')).toBeFalsy();
    expect(await hasKv('after.backup')).toBe(false);
    const replay = await agent.callTool({
      name: 'backup_restore',
      arguments: { backup_id: backup, approval_id: id },
    });
    expect(textOf(replay)[0]).toContain('it was already used');
  });

  it('deny <id> on the host: the call with that approval is refused and nothing runs', async () => {
    await setKv('kept');
    const id = approvalOf(await agent.callTool({ name: 'backup_restore', arguments: { backup_id: backup } }));
    const denied = await host(['deny', id]);
    expect(denied.code, denied.stderr).toBe(0);
    expect(denied.stdout).toContain('denied');
    const run = await agent.callTool({
      name: 'backup_restore',
      arguments: { backup_id: backup, approval_id: id },
    });
    expect(run.isError).toBe(true);
    expect(textOf(run)[0]).toMatch(/^forbidden: approval \S+ is refused: cli:\S+ denied it/);
    expect(await hasKv('kept')).toBe(true);
    // request, denial and the refused use are all in the audit log
    const records = await t.core.audit.list({ limit: 50, tool: 'backup_restore' });
    const phases = records.map((r) => r.phase);
    expect(phases).toEqual(expect.arrayContaining(['approval_requested', 'denied', 'refused']));
    expect(records.find((r) => r.phase === 'denied')?.input).toMatchObject({
      approval_id: id,
      requester: 'agent',
    });
  });
});
