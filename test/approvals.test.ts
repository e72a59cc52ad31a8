import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupSettings } from './helpers/backup.js';
import { launchChromium } from './helpers/browser.js';
import { bearer, startTestServer, type TestServer } from './helpers/server.js';
import { tempDir } from './helpers/tmp.js';

const PASSWORD = 'correct horse battery staple';

type CallResult = Awaited<ReturnType<Client['callTool']>>;
const textOf = (r: CallResult) => (r.content as { type: string; text: string }[]).map((c) => c.text);
/** The error's data block of a refused MCP call (approval_required carries approval_id and the plan). */
const errorOf = (r: CallResult) => {
  const block = textOf(r).find((t) => t.startsWith('{"error"'));
  return block ? (JSON.parse(block).error as Record<string, unknown> & { plan: string[] }) : undefined;
};

describe('a destructive call over MCP waits for a human approval on the page', () => {
  const archives = tempDir('mahavishnu-approvals-');
  let t: TestServer;
  let agent: Client;
  let browser: Browser;
  let backupA: string;
  let backupB: string;
  const setKv = (key: string) =>
    t.core.db.query('INSERT INTO kv (key, value, updated_at) VALUES ($1, $2, $3)', [
      `test.${key}`,
      'x',
      Date.now(),
    ]);
  const hasKv = async (key: string) =>
    (await t.core.db.query('SELECT 1 FROM kv WHERE key = $1', [`test.${key}`])).length === 1;

  beforeAll(async () => {
    t = await startTestServer(backupSettings(archives.path));
    // the human signs in on the page with a password; the agent holds only a bearer token
    await t.core.users.create({ username: 'human', role: 'admin', password: PASSWORD });
    const token = await t.tokenFor('admin', 'agent');
    backupA = (await t.core.backups.create({ type: 'full' })).id;
    // state after A that a restore of A replaces (kv is a replaced table; users are merged)
    await setKv('after.a');
    backupB = (await t.core.backups.create({ type: 'full' })).id;
    agent = new Client({ name: 'agent', version: '1.0.0' });
    await agent.connect(
      new StreamableHTTPClientTransport(new URL('/mcp', t.url), { requestInit: { headers: bearer(token) } }),
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await agent?.close();
    await t.stop();
    archives.remove();
  });

  it('refuses with approval_required and a plan naming the rows, approves on the page, runs once, and never for another backup', async () => {
    const first = await agent.callTool({ name: 'backup_restore', arguments: { backup_id: backupA } });
    expect(first.isError).toBe(true);
    expect(textOf(first)[0]).toMatch(/^approval_required: /);
    const err = errorOf(first)!;
    expect(err).toMatchObject({
      code: 'approval_required',
      approval_id: expect.stringMatching(/^apr_/),
      approve_url: `${t.url}/approvals/${err.approval_id}`,
      expires_at: expect.any(String),
    });
    // the plan names the rows that would change
    const kv = (
      err.impact as { tables: { name: string; live_rows: number; archive_rows: number }[] }
    ).tables.find((x) => x.name === 'kv')!;
    expect(kv.live_rows).toBe(kv.archive_rows + 1);
    expect(err.plan.join('\n')).toContain(`kv ${kv.live_rows}→${kv.archive_rows}`);
    expect(err.plan.join('\n')).toContain(`1 newer backup(s) exist (${backupB})`);
    // nothing changed
    expect(await hasKv('after.a')).toBe(true);

    const page = await browser.newPage();
    await page.goto(err.approve_url as string);
    expect(page.url()).toContain('/approvals/login');
    // a wrong password is refused
    await page.fill('input[name=username]', 'human');
    await page.fill('input[name=password]', 'not the password at all');
    await page.click('button[type=submit]');
    await expect(page.locator('[role=alert]').textContent()).resolves.toContain('Wrong username or password');
    await page.fill('input[name=username]', 'human');
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    // signed in: the plan, then approve
    expect(page.url()).toBe(err.approve_url);
    await expect(page.locator('#plan').textContent()).resolves.toContain(
      `kv ${kv.live_rows}→${kv.archive_rows}`,
    );
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'mv_approval_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    const csrf = await page.locator('form[action$="/approve"] input[name=csrf]').getAttribute('value');
    await page.click('button.approve');
    await expect(page.locator('#message').textContent()).resolves.toContain('is approved for agent');
    // the same form posted again (same session cookie, CSRF token and Origin) is refused
    const replay = await page.context().request.post(`${err.approve_url}/approve`, {
      form: { csrf: csrf! },
      headers: { origin: t.url },
    });
    expect(replay.status()).toBe(409);
    // a post without the session's CSRF token is refused too
    const forged = await page.context().request.post(`${err.approve_url}/deny`, {
      form: { csrf: 'forged' },
      headers: { origin: t.url },
    });
    expect(forged.status()).toBe(403);
    await page.close();

    // the agent's repeated call runs the restore
    const second = await agent.callTool({
      name: 'backup_restore',
      arguments: { backup_id: backupA, approval_id: err.approval_id },
    });
    expect(second.isError, textOf(second).join('\n')).toBeFalsy();
    expect(second.structuredContent).toMatchObject({ backup_id: backupA, safety_backup: expect.any(String) });
    expect(await hasKv('after.a')).toBe(false);

    // a second use of the same approval is refused
    const again = await agent.callTool({
      name: 'backup_restore',
      arguments: { backup_id: backupA, approval_id: err.approval_id },
    });
    expect(again.isError).toBe(true);
    expect(textOf(again)[0]).toMatch(/^forbidden: approval apr_\S+ is refused: it was already used/);

    // an approval for backup A does not run a restore of backup B
    const forA = errorOf(
      await agent.callTool({ name: 'backup_restore', arguments: { backup_id: backupA } }),
    )!;
    await t.core.approvals.decide(
      forA.approval_id as string,
      { username: 'human', role: 'admin', transport: 'web' },
      'approved',
    );
    const forB = await agent.callTool({
      name: 'backup_restore',
      arguments: { backup_id: backupB, approval_id: forA.approval_id },
    });
    expect(forB.isError).toBe(true);
    expect(textOf(forB)[0]).toContain('it was granted for other arguments');
    expect(await hasKv('after.a')).toBe(false);
  });
});
