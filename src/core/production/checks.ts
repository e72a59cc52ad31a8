import { abortable, cancelled } from '../cancel.js';
import { tryLoadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { exposureMessage } from '../config/settings-file.js';
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

/** Settings files that hold secrets must be readable by their owner only. */
function settingsPermissions(core: Core): CheckResult {
  const { loaded } = tryLoadConfig({ dir: core.settings.dir });
  const exposed = loaded?.exposed ?? [];
  if (exposed.length > 0) return fail('settings_permissions', exposed.map(exposureMessage).join('; '));
  return pass('settings_permissions', 'no settings file with secrets is readable by group or others');
}

/**
 * The HTTP server requires a bearer token on /mcp, /sse, /messages and /api/* unconditionally (no
 * setting turns that off); what settings can weaken is the Host/Origin guard ("*" accepts any).
 * Off on a server bound beyond loopback, any page an operator's browser opens can reach it.
 */
function httpAuth(config: Config): CheckResult {
  const { host, allowed_hosts, allowed_origins } = config.server;
  const open = [
    allowed_hosts.includes('*') && 'server.allowed_hosts',
    allowed_origins.includes('*') && 'server.allowed_origins',
  ].filter((x): x is string => typeof x === 'string');
  if (open.length === 0)
    return pass(
      'http_auth',
      'bearer tokens are required on /mcp, /sse, /messages and /api/*; the host/origin guard is on',
    );
  const what = `${open.join(' and ')} ${open.length > 1 ? 'are' : 'is'} "*" (no DNS-rebinding protection)`;
  if (LOOPBACK.has(host))
    return warn('http_auth', `bearer tokens are required, but ${what}; list the real names`);
  return fail(
    'http_auth',
    `the server listens on ${host} and ${what}; list the real host names and origins before deploying`,
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

async function secrets(core: Core, signal?: AbortSignal): Promise<CheckResult> {
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
        // each guess is a whole argon2 hash: a cancelled call stops between two
        signal?.throwIfAborted();
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

/** A verified backup within the RPO (dr.rpo_hours). */
async function backupFresh(core: Core): Promise<CheckResult> {
  const rpoHours = core.config.dr.rpo_hours;
  const verified = (await core.backups.list()).filter((b) => b.verified_ok === true);
  const newest = verified.sort((a, b) => b.created.localeCompare(a.created))[0];
  if (!newest) {
    return fail(
      'backup_recent',
      'no verified backup exists; run `backup_create {"type":"full"}`, then `backup_verify {"backup_id":"<backup_id>"}`',
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

/** Backup storage: the backup domain's health component (the blob store answers, backups are fresh). */
async function backupWritable(core: Core): Promise<CheckResult> {
  const c = (await core.health.components(true)).find((x) => x.name === 'backup_storage');
  if (!c) return fail('backup_storage', 'the backup_storage health component is not registered');
  return c.status === 'healthy'
    ? pass('backup_storage', `backup storage: ${c.message}`)
    : fail('backup_storage', `backup storage is ${c.status}: ${c.message}`);
}

function metricsExposure(config: Config): CheckResult {
  // with server.metrics_port, /metrics is on its own listener (metrics_host), not the main port
  const host = config.server.metrics_port === undefined ? config.server.host : config.server.metrics_host;
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

const couldNot = (name: string) => (e: unknown) =>
  fail(name, `could not be checked: ${(e as Error).message}`);

/**
 * The pre-deployment checklist of the runbook, as code: every check with its status and reason.
 * Cancelled (signal), it stops within a probe's wait and says which checks ran; it changes nothing.
 */
export async function validateProduction(core: Core, signal?: AbortSignal): Promise<CheckResult[]> {
  const c = core.config;
  const steps: [string, () => CheckResult | CheckResult[] | Promise<CheckResult | CheckResult[]>][] = [
    ['settings_valid', () => settingsValid(core)],
    ['settings_permissions', () => settingsPermissions(core)],
    ['http_auth', () => httpAuth(c)],
    ['secrets', () => secrets(core, signal).catch(couldNot('secrets'))],
    ['state_store', () => stateStore(core)],
    ['backup_recent', () => backupFresh(core).catch(couldNot('backup_recent'))],
    ['backup_storage', () => backupWritable(core)],
    ['metrics_exposure', () => metricsExposure(c)],
    ['log_level', () => logLevel(c)],
  ];
  const out: CheckResult[] = [];
  for (const [i, [, check]] of steps.entries()) {
    try {
      if (signal?.aborted) throw signal.reason;
      out.push(...[await abortable(Promise.resolve(check()), signal)].flat());
    } catch (e) {
      if (!signal?.aborted) throw e;
      throw cancelled(signal, {
        done: [
          out.length ? `checks ${out.map((r) => `${r.name} (${r.status})`).join(', ')}` : '',
          'nothing was changed (the checklist only reads)',
        ].filter(Boolean),
        notDone: [
          `checks ${steps
            .slice(i)
            .map(([name]) => name)
            .join(', ')}`,
        ],
      });
    }
  }
  return out;
}
