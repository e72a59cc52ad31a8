import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callRemote } from '../src/cli/remote.js';
import { toolByName } from '../src/tools/index.js';
import { invoke } from '../src/tools/invoke.js';
import { backupSettings } from './helpers/backup.js';
import { admin as adminPrincipal } from './helpers/core.js';
import { bearer, startTestServer, type TestServer } from './helpers/server.js';
import { tempDir } from './helpers/tmp.js';

describe('backups through a running server', () => {
  const archives = tempDir('mahavishnu-served-');
  let t: TestServer;
  let admin: string;
  beforeAll(async () => {
    // restores in maintenance are tested here; approvals are (test/approvals*.test.ts)
    t = await startTestServer({ ...backupSettings(archives.path), approvals: { enabled: false } });
    admin = await t.tokenFor('admin');
  });
  afterAll(async () => {
    await t.stop();
    archives.remove();
  });

  it('reports backup_create progress as MCP progress notifications', async () => {
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', t.url), {
      requestInit: { headers: bearer(admin) },
    });
    const client = new Client({ name: 'test', version: '1.0.0' });
    await client.connect(transport);
    const seen: number[] = [];
    const r = await client.callTool({ name: 'backup_create', arguments: { type: 'full' } }, undefined, {
      onprogress: (p) => seen.push(p.progress),
    });
    await client.close();
    expect(r.isError).toBeFalsy();
    expect((r.structuredContent as { id: string }).id).toMatch(/^backup_/);
    expect(seen.length).toBeGreaterThan(0);
  });

  it('restores only in maintenance: other writes are refused meanwhile, and work again after', async () => {
    const { id } = (await callRemote(t.url, 'backup_create', { type: 'full' }, admin)) as { id: string };
    const refusals: Promise<unknown>[] = [];
    t.core.maintenance.onChange((state) => {
      // a write arriving while the restore runs (checked before it touches anything)
      if (state)
        refusals.push(
          invoke(
            toolByName.get('auth_create_user')!,
            { username: 'during.restore', role: 'viewer' },
            {
              core: t.core,
              principal: adminPrincipal,
            },
          ).catch((e) => e),
        );
    });
    const r = (await callRemote(t.url, 'backup_restore', { backup_id: id }, admin)) as {
      safety_backup: string;
    };
    expect(r.safety_backup).toMatch(/^backup_/);
    expect(refusals).toHaveLength(1);
    expect(await refusals[0]).toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining(`maintenance (restoring ${id}`),
    });
    expect(t.core.maintenance.active).toBeUndefined();
    await expect(
      callRemote(t.url, 'auth_create_user', { username: 'after.restore', role: 'viewer' }, admin),
    ).resolves.toBeDefined();
    // the admin's token still works: the restored store holds the signing key that minted it
    await expect(callRemote(t.url, 'backup_list', {}, admin)).resolves.toMatchObject({
      backups: expect.any(Array),
    });
  });
});
