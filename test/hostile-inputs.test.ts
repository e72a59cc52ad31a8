import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, childEnv } from './helpers/cli.js';
import { bearer, json, startTestServer, type TestServer } from './helpers/server.js';

/** Free text has lengths, the shipped disk-usage workflow an allowlist, and step output on a terminal is inert. */
describe('hostile inputs', () => {
  let t: TestServer;
  let token: string;
  const run = async (input: unknown) => {
    const r = await fetch(`${t.url}/api/v1/tools/workflow_run`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    return { status: r.status, body: await json(r) };
  };
  const auditBytes = async () =>
    Number(
      (await t.core.db.query<{ n: number }>('SELECT COALESCE(SUM(LENGTH(input)), 0) AS n FROM audit_log'))[0]!
        .n,
    );

  beforeAll(async () => {
    t = await startTestServer({
      workflows: { dir: resolve('workflows') },
      approvals: { enabled: false },
      pools: { enabled: false },
      server: { body_limit_bytes: 2 * 1024 * 1024 },
    });
    token = await t.tokenFor('operator');
    await t.core.pools.store.create({
      name: 'default',
      type: 'mahavishnu',
      min: 0,
      max: 1,
      autoscale: false,
    });
  });
  afterAll(async () => t?.stop());

  it('a 500 KB workflow parameter is refused, and its audit record stays small', async () => {
    const before = await auditBytes();
    const r = await run({ name: 'hello', params: { who: 'x'.repeat(500 * 1024) } });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/more than the 65536 a call may carry/);
    const grown = (await auditBytes()) - before;
    expect(grown).toBeGreaterThan(0); // refused, and audited
    expect(grown).toBeLessThan(6 * 1024);
  });

  it('a param over its declared length is refused naming it; one within it runs with a bounded audit record', async () => {
    const long = await run({ name: 'hello', params: { who: 'y'.repeat(5000) } });
    expect(long.status).toBe(400);
    expect(long.body.error.message).toContain('params.who');
    const before = await auditBytes();
    const ok = await run({ name: 'hello', params: { who: 'z'.repeat(4000) } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    // begin and end records, each at most 4 KB of input
    expect((await auditBytes()) - before).toBeLessThan(10 * 1024);
  });

  it('disk-usage lists only the folders its allowlist names', async () => {
    for (const path of ['/etc', '/root/.ssh', '/var/lib/mahavishnu/../../../etc']) {
      const r = await run({ name: 'disk-usage', params: { path } });
      expect(r.status, path).toBe(400);
      expect(r.body.error.message).toMatch(/param path must be one of its 4 allowed values/);
    }
    expect((await run({ name: 'disk-usage', params: { path: '/var/log/mahavishnu' } })).status).toBe(200);
  });

  it('workflow logs and workflow status on a terminal escape control characters in step output', async () => {
    const r = await run({ name: 'hello', params: { who: 'tty' } });
    const id = r.body.result.id as string;
    const evil = 'done\x1b]0;pwned\x07\x1b[2J\x1b[1Ahidden\rline\u202eexe.txt';
    await t.core.db.query('UPDATE workflow_steps SET output = $1, error = $1 WHERE run_id = $2', [evil, id]);
    const settings = join(t.core.settings.dir);
    const env = { ...childEnv(t.core.config.data.dir), MAHAVISHNU_CONFIG_DIR: settings };
    for (const args of [`workflow logs ${id}`, `workflow status ${id}`]) {
      // script(1) gives the CLI a pseudo-terminal, as an operator's shell would
      const out = execFileSync('script', ['-qec', `${process.execPath} ${BIN} ${args}`, '/dev/null'], {
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(out, args).toContain('done\\x1b]0;pwned\\x07\\x1b[2J');
      expect(out, args).toContain('\\u202eexe.txt');
      expect(out, args).not.toContain('\x1b]0;pwned');
      expect(out, args).not.toContain('\u202e');
    }
    // piped (not a terminal) the bytes stay as they were, for scripts; --json escapes them as JSON does
    const piped = execFileSync(process.execPath, [BIN, 'workflow', 'logs', id], { env, encoding: 'utf8' });
    expect(piped).toContain('\x1b]0;pwned');
  });
});
