import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tryLoadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { Core } from '../core.js';
import { currentSchemaVersion, SCHEMA_VERSION } from '../sql/migrations.js';
import type { CheckResult } from './schemas.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '[::1]']);
const WEAK = ['password', 'admin', 'changeme', 'secret', 'mahavishnu', 'postgres', 'redis', 'test', '123456'];
/** Guesses tried against each user's password hash (passwords are at least 12 characters). */
const guesses = (username: string) => [
  'password1234',
  'changeme1234',
  'mahavishnu123',
  username,
  `${username}1234`,
];

const pass = (name: string, reason: string): CheckResult => ({ name, status: 'pass', reason });
const warn = (name: string, reason: string): CheckResult => ({ name, status: 'warn', reason });
const fail = (name: string, reason: string): CheckResult => ({ name, status: 'fail', reason });

function settingsValid(core: Core): CheckResult {
  const { loaded, problems } = tryLoadConfig({ dir: core.settings.dir });
  if (!loaded) return fail('settings_valid', `settings on disk are not valid: ${problems.join('; ')}`);
  return pass('settings_valid', `settings parse and validate (${loaded.sources.length} file(s) read)`);
}

/**
 * The HTTP server requires a bearer token on /mcp, /sse, /messages and /api/* unconditionally;
 * what settings can weaken is the host/origin guard, which keeps browsers on other sites out.
 */
function httpAuth(config: Config): CheckResult {
  const s = config.server as Record<string, unknown>;
  const a = config.auth as Record<string, unknown>;
  if (s.auth_required === false || a.required === false || a.disabled === true) {
    return fail('http_auth', 'a setting turns bearer authentication off; remove it before deploying');
  }
  if (config.server.allowed_hosts.includes('*') || config.server.allowed_origins.includes('*')) {
    return warn(
      'http_auth',
      'bearer tokens are required on /mcp, /sse, /messages and /api/*, but server.allowed_hosts or allowed_origins is "*" (no DNS-rebinding protection); list the real names',
    );
  }
  return pass(
    'http_auth',
    'no setting disables bearer tokens on /mcp, /sse, /messages and /api/*; the host/origin guard is on',
  );
}

function urlPassword(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}

async function secrets(core: Core): Promise<CheckResult> {
  const weak: string[] = [];
  const c = core.config;
  const dbPw = c.database.url ? urlPassword(c.database.url) : undefined;
  if (dbPw !== undefined && (WEAK.includes(dbPw.toLowerCase()) || dbPw.length < 12))
    weak.push('database.url carries a default or short password');
  if (c.cache.enabled && c.cache.backend === 'redis') {
    const pw = urlPassword(c.cache.redis_url);
    if (pw !== undefined && (WEAK.includes(pw.toLowerCase()) || pw.length < 12))
      weak.push('cache.redis_url carries a default or short password');
  }
  const users = await core.db.query<{ username: string; password_hash: string | null }>(
    'SELECT username, password_hash FROM users WHERE disabled = 0 AND password_hash IS NOT NULL LIMIT 50',
  );
  if (users.length > 0) {
    const argon2 = await import('argon2');
    for (const u of users) {
      for (const guess of guesses(u.username)) {
        if (await argon2.verify(u.password_hash!, guess).catch(() => false)) {
          weak.push(`user ${u.username} has a default or guessable password`);
          break;
        }
      }
    }
  }
  if (weak.length) return fail('secrets', `${weak.join('; ')}; change them before deploying`);
  return pass(
    'secrets',
    `no default or weak password in database.url, cache.redis_url or ${users.length} user password(s); signing keys are generated, never configured`,
  );
}

async function stateStore(core: Core): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  try {
    await core.db.ping();
    const v = await currentSchemaVersion(core.db);
    out.push(
      v >= SCHEMA_VERSION
        ? pass('state_store', `${core.db.location} answers; schema at version ${v} (current)`)
        : fail(
            'state_store',
            `${core.db.location} answers but its schema is at ${v}, this build needs ${SCHEMA_VERSION}`,
          ),
    );
  } catch (e) {
    out.push(fail('state_store', `${core.db.location} does not answer: ${(e as Error).message}`));
  }
  out.push(
    core.db.dialect === 'postgres'
      ? pass('state_store_kind', 'PostgreSQL: replicas can share it')
      : warn(
          'state_store_kind',
          'the embedded SQLite store serves one process only; set database.url to PostgreSQL for production',
        ),
  );
  return out;
}

type BackupRow = { id: string; created: string; verified_ok: boolean | null };

/**
 * A verified backup within the RPO, read from the backup domain when this build has it
 * (core.backups.list(), the RPO from dr.rpo_hours).
 */
async function backupFresh(core: Core): Promise<CheckResult> {
  const backups = (core as unknown as { backups?: { list?: () => Promise<BackupRow[]> } }).backups;
  if (typeof backups?.list !== 'function') {
    return warn(
      'backup_recent',
      'the backup domain is not present in this build, so no verified backup can be checked',
    );
  }
  const rpoHours = (core.config as unknown as { dr?: { rpo_hours?: number } }).dr?.rpo_hours ?? 24;
  const verified = (await backups.list()).filter((b) => b.verified_ok === true);
  const newest = verified.sort((a, b) => b.created.localeCompare(a.created))[0];
  if (!newest) {
    return fail(
      'backup_recent',
      'no verified backup exists; run `mahavishnu backup create --type full`, then `mahavishnu backup verify <backup_id>`',
    );
  }
  const ageH = (Date.now() - Date.parse(newest.created)) / 3_600_000;
  return ageH <= rpoHours
    ? pass(
        'backup_recent',
        `backup ${newest.id} is verified and ${ageH.toFixed(1)} h old (RPO ${rpoHours} h)`,
      )
    : fail(
        'backup_recent',
        `the newest verified backup ${newest.id} is ${ageH.toFixed(1)} h old, beyond the RPO of ${rpoHours} h`,
      );
}

/** Backup storage: the backup domain's own health component when present, else the local folder. */
async function backupWritable(core: Core): Promise<CheckResult> {
  if (core.health.names().includes('backup_storage')) {
    const c = (await core.health.components(true)).find((x) => x.name === 'backup_storage');
    if (c) {
      return c.status === 'healthy'
        ? pass('backup_storage', `backup storage: ${c.message}`)
        : fail('backup_storage', `backup storage is ${c.status}: ${c.message}`);
    }
  }
  const dir = resolve(core.config.data.dir, 'backups');
  const probe = join(dir, `.write-check-${randomBytes(4).toString('hex')}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, 'ok');
    rmSync(probe);
    return pass('backup_storage', `${dir} is writable`);
  } catch (e) {
    return fail(
      'backup_storage',
      `${dir} is not writable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

function metricsExposure(config: Config): CheckResult {
  const host = config.server.host;
  if (LOOPBACK.has(host)) return pass('metrics_exposure', `the server listens on ${host} only`);
  if (config.server.metrics_require_token)
    return pass('metrics_exposure', `the server listens on ${host}; /metrics needs a bearer token`);
  return fail(
    'metrics_exposure',
    `the server listens on ${host} and /metrics answers without a token; set server.metrics_require_token: true or bind to 127.0.0.1 behind a proxy`,
  );
}

function logLevel(config: Config): CheckResult {
  return ['debug', 'trace'].includes(config.log.level)
    ? warn('log_level', `log.level is ${config.log.level}: verbose and slower; use info in production`)
    : pass('log_level', `log.level is ${config.log.level}`);
}

/** The pre-deployment checklist of the runbook, as code: every check with its status and reason. */
export async function validateProduction(core: Core): Promise<CheckResult[]> {
  const c = core.config;
  return [
    settingsValid(core),
    httpAuth(c),
    await secrets(core).catch((e) => fail('secrets', `could not be checked: ${(e as Error).message}`)),
    ...(await stateStore(core)),
    await backupFresh(core).catch((e) =>
      fail('backup_recent', `could not be checked: ${(e as Error).message}`),
    ),
    await backupWritable(core),
    metricsExposure(c),
    logLevel(c),
  ];
}
