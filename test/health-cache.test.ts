import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupSettings } from './helpers/backup.js';
import { type McpAgent, mcpOverHttp } from './helpers/mcp-client.js';
import { twoReplicas } from './helpers/redis.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

const components = async (t: TestServer) =>
  (
    (await (await fetch(`${t.url}/health/components`)).json()) as {
      components: Record<string, { checked_at: string }>;
    }
  ).components;

/** Count the calls of a method in place (the real one still runs). */
function counted<T extends object, K extends keyof T>(obj: T, key: K): { n: number } {
  const calls = { n: 0 };
  const real = (obj[key] as (...a: unknown[]) => unknown).bind(obj);
  obj[key] = ((...a: unknown[]) => {
    calls.n++;
    return real(...a);
  }) as T[K];
  return calls;
}

describe('health results are reused for cache.health_ttl_s', () => {
  let t: TestServer;
  let agent: McpAgent;

  beforeAll(async () => {
    t = await startTestServer({ cache: { health_ttl_s: 1 } });
    agent = await mcpOverHttp(t.url, await t.tokenFor('viewer'));
  });
  afterAll(async () => {
    await agent?.close();
    await t?.stop();
  });

  it('a second read within the ttl (/health/components, then mahavishnu://health) checks nothing again; after it, checks', async () => {
    const ping = counted(t.core.db, 'ping');
    const backups = counted(t.core.backups, 'list');
    const first = await components(t);
    expect([ping.n, backups.n]).toEqual([1, 1]);
    const again = await components(t);
    const overMcp = JSON.parse(await agent.read('mahavishnu://health'));
    expect([ping.n, backups.n]).toEqual([1, 1]);
    expect(again.state_store!.checked_at).toBe(first.state_store!.checked_at);
    expect(overMcp.components).toContainEqual(
      expect.objectContaining({ name: 'backup_storage', checked_at: first.backup_storage!.checked_at }),
    );
    // the ttl is 1 s: a later read checks again
    await waitFor('a read past the ttl to check again', async () => {
      await components(t);
      return ping.n === 2 && backups.n === 2;
    });
  });
});

/**
 * Two replicas on one PostgreSQL and one Redis: a shared component's result (backup storage: the
 * same folder and catalog from both) is checked by one and served to the other from Redis within
 * the ttl; a process-local one (this replica's state store connection) is checked by each.
 */
describe('shared health results across replicas on Redis', () => {
  const archives = tempDir('mahavishnu-health-');
  let a: TestServer;
  let b: TestServer;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ a, b, stop } = await twoReplicas(backupSettings(archives.path), { health_ttl_s: 2 }));
  });
  afterAll(async () => {
    await stop?.();
    archives.remove();
  });

  it('replica b serves a’s backup_storage result within the ttl, checks its own store, and checks again after', async () => {
    const listedByA = counted(a.core.backups, 'list');
    const listedByB = counted(b.core.backups, 'list');
    const pingedByB = counted(b.core.db, 'ping');

    const fromA = await components(a);
    expect(listedByA.n).toBe(1);
    const fromB = await components(b);
    expect(listedByB.n).toBe(0);
    expect(fromB.backup_storage!.checked_at).toBe(fromA.backup_storage!.checked_at);
    expect(pingedByB.n).toBe(1);

    await waitFor('replica b to check backup storage itself once the ttl is over', async () => {
      await components(b);
      return listedByB.n === 1;
    });
  });
});
