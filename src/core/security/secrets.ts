import { keyId } from '../backup/manifest.js';
import { cancelled } from '../cancel.js';
import type { Config } from '../config/schema.js';
import { notFound } from '../errors.js';
import type { Plan } from '../plan.js';
import type { Principal } from '../principal.js';
import type { Users } from '../users/users.js';
import type { SigningKeys } from './keys.js';
import { guardOwn, impactLine, revocationImpact } from './revocation-impact.js';
import type { SecretReport, SecretsRotation } from './schemas.js';

export interface RotateSecretsOptions {
  /** Revoke every older signing key: every token they signed is refused at once. */
  revokePrevious: boolean;
  /** Refuse the tokens already issued to these users (all users when `users` is empty). */
  revokeTokens: boolean;
  users: readonly string[];
  /** The caller's own token may be among those revoked. */
  includeOwnToken: boolean;
}

const RESTART =
  'restart mahavishnu (`sudo systemctl restart mahavishnu`): environment variables and connection settings are read at start only';

/** The password inside a connection URL, if any (the URL itself is never echoed). */
function urlUser(url: string): { has: boolean; user: string } {
  try {
    const u = new URL(url);
    return { has: u.password !== '', user: decodeURIComponent(u.username) };
  } catch {
    return { has: false, user: '' };
  }
}

function backupKey(name: 'signing_key' | 'encryption_key', value: string, consequence: string): SecretReport {
  const env = `MAHAVISHNU_BACKUP__${name.toUpperCase()}`;
  if (value === '')
    return {
      secret: `backup.${name}`,
      action: 'not_rotated',
      detail: `not set, nothing to rotate (set one with \`openssl rand -hex 32\` in ${env}; backups need it)`,
    };
  return {
    secret: `backup.${name}`,
    action: 'external',
    detail:
      `kept in the settings or the environment, not in the store, so mahavishnu cannot rotate it (current key id ${keyId(value)}). ` +
      `To rotate: generate a new key with \`openssl rand -hex 32\`; set it in ${env} in the service environment and ${RESTART}, ` +
      `or as backup.${name} in settings/local.yaml and run \`config_reload\`; then \`backup_create {"type":"full"}\`. ` +
      `${consequence} (key id ${keyId(value)}): keep the old key in your secret store until those archives are pruned.`,
  };
}

/**
 * Secrets that live only in the settings or the environment: mahavishnu cannot change them (the
 * database or Redis owns the password, the operator owns the keys), so each is reported with the
 * exact step to rotate it. Connection URLs without a password are not listed.
 */
export function externalSecrets(config: Config): SecretReport[] {
  const out: SecretReport[] = [
    backupKey(
      'signing_key',
      config.backup.signing_key,
      'Archives made before stay verifiable (and restorable) only with the old key',
    ),
    backupKey(
      'encryption_key',
      config.backup.encryption_key,
      'Archives made before keep their secret columns encrypted under the old key and restore only with it set again',
    ),
  ];
  const db = urlUser(config.database.url);
  if (db.has)
    out.push({
      secret: 'database.url password',
      action: 'external',
      detail:
        `the password of PostgreSQL role "${db.user}" belongs to PostgreSQL. To rotate: \`ALTER ROLE "${db.user}" PASSWORD '<new>'\` ` +
        `(generate it with \`openssl rand -hex 32\`), put the new URL in MAHAVISHNU_DATABASE__URL (or database.url), then ${RESTART}.`,
    });
  const redis = urlUser(config.cache.redis_url);
  if (config.cache.backend === 'redis' && redis.has)
    out.push({
      secret: 'cache.redis_url password',
      action: 'external',
      detail:
        'the Redis password belongs to Redis. To rotate: set a new one in Redis (`ACL SETUSER` or `CONFIG SET requirepass`, ' +
        `generated with \`openssl rand -hex 32\`), put the new URL in MAHAVISHNU_CACHE__REDIS_URL (or cache.redis_url), then ${RESTART}.`,
    });
  for (const [name, spec] of Object.entries(config.adapters)) {
    if (spec.type !== 'http' || !urlUser(spec.base_url).has) continue;
    out.push({
      secret: `adapters.${name}.base_url password`,
      action: 'external',
      detail:
        `the password belongs to the ${name} adapter's service. To rotate: change it there, put the new base_url in ` +
        `adapters.${name}.base_url, run \`config_reload\`, then \`adapter_restart {"name":"${name}"}\`.`,
    });
  }
  if (config.backup.store === 's3')
    out.push({
      secret: 'backup S3 credentials',
      action: 'external',
      detail:
        'read from the AWS credential chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile or an instance role), not from ' +
        `mahavishnu settings. To rotate: create a new access key in IAM, set it in the service environment, ${RESTART}, then delete the old key.`,
    });
  return out;
}

function tokenReport(o: RotateSecretsOptions, revokedKeys: string[], users: string[], at: number) {
  if (o.revokeTokens) {
    const who = o.users.length > 0 ? users.join(', ') : `all ${users.length} user(s)`;
    return {
      secret: 'api_tokens',
      action: 'revoked' as const,
      detail:
        `tokens issued to ${who} before ${new Date(at).toISOString()} are refused at once; ` +
        'mint new ones with `auth_create_token {"username":"NAME"}`',
    };
  }
  if (o.revokePrevious)
    return {
      secret: 'api_tokens',
      action: 'revoked' as const,
      detail: `every token signed by the revoked keys (${revokedKeys.join(', ') || 'none'}) is refused at once; mint new ones with \`auth_create_token {"username":"NAME"}\``,
    };
  return {
    secret: 'api_tokens',
    action: 'not_rotated' as const,
    detail:
      'tokens already handed out keep working until they expire; pass --revoke-tokens (all users or --users NAME) to refuse them at once',
  };
}

const passwordsReport = (n: number): SecretReport => ({
  secret: 'user passwords',
  action: 'not_rotated',
  detail:
    `${n} user(s) have a password. Passwords belong to their users and are stored only as argon2id hashes, ` +
    'so mahavishnu does not rotate them; after a compromise ask those users to choose new ones.',
});

/**
 * Rotate every secret mahavishnu owns (the token signing keys; issued tokens on request), with
 * the overlap rules of rotate-jwt-secret, and report the ones it cannot rotate itself.
 */
const scopeOf = (o: RotateSecretsOptions) => ({
  allKeys: o.revokePrevious,
  users: o.revokeTokens ? (o.users.length ? o.users : ('all' as const)) : undefined,
});

export async function rotateSecrets(
  d: { keys: SigningKeys; users: Users; config: Config },
  o: RotateSecretsOptions,
  caller: Principal,
  signal?: AbortSignal,
): Promise<SecretsRotation> {
  const revocation = o.revokeTokens
    ? `the revocation of the tokens issued to ${o.users.length ? o.users.join(', ') : 'every user'}`
    : '';
  const rotation = `the signing key rotation${o.revokePrevious ? ' (and the revocation of the older keys)' : ''}`;
  const stop = (done: string[], notDone: string[]) => {
    if (signal?.aborted) throw cancelled(signal, { done, notDone: notDone.filter(Boolean) });
  };
  if (o.revokePrevious || o.revokeTokens)
    guardOwn(await revocationImpact(d.users, caller, scopeOf(o)), o.includeOwnToken, 'this revocation');
  stop([], [revocation, rotation]);
  // whole second after now: every token issued so far has iat below it (iat is in seconds)
  const notBefore = (Math.floor(Date.now() / 1000) + 1) * 1000;
  // users first: an unknown username is refused before any key changes
  const users = o.revokeTokens
    ? await d.users.revokeTokens(notBefore, o.users, signal).catch((e: unknown) => {
        // cancelled inside its transaction: rolled back, no user's tokens were touched
        stop([], [revocation, rotation]);
        throw e;
      })
    : [];
  stop(users.length ? [`tokens issued so far refused for ${users.join(', ')}`] : [], [rotation]);
  const r = await d.keys.rotate(o.revokePrevious);
  stop(
    [
      ...(users.length ? [`tokens issued so far refused for ${users.join(', ')}`] : []),
      `new signing key ${r.kid} signs new tokens${o.revokePrevious ? `; older keys ${r.revoked.join(', ') || 'none'} revoked` : ''}`,
    ],
    ['the report of the secrets kept outside the store and of user passwords'],
  );
  const secrets: SecretReport[] = [
    {
      secret: 'token signing key',
      action: 'rotated',
      detail:
        `new Ed25519 key ${r.kid} signs new tokens and is published in /.well-known/jwks.json; ` +
        (r.retired.length
          ? `key(s) ${r.retired.join(', ')} no longer sign${o.revokePrevious ? '' : ' but verify the tokens they signed until those expire'}`
          : 'there was no previous key'),
    },
  ];
  if (o.revokePrevious)
    secrets.push({
      secret: 'previous token signing keys',
      action: 'revoked',
      detail: `key(s) ${r.revoked.join(', ') || 'none'} revoked: they verify nothing and leave the JWKS`,
    });
  secrets.push(tokenReport(o, r.revoked, users, notBefore));
  secrets.push(passwordsReport(await d.users.countWithPassword()), ...externalSecrets(d.config));
  return { kid: r.kid, secrets };
}

/** What rotateSecrets would do, for dry_run: nothing is changed. */
export async function rotateSecretsPlan(
  d: { keys: SigningKeys; users: Users; config: Config },
  o: RotateSecretsOptions,
  caller: Principal,
): Promise<Plan> {
  for (const u of o.users)
    if (!(await d.users.get(u)))
      throw notFound(`user "${u}" does not exist; list users with \`auth_list_users\``);
  const plan = await d.keys.rotationPlan(o.revokePrevious);
  if (o.revokeTokens)
    plan.push(
      `refuse every token issued so far to ${o.users.length ? o.users.join(', ') : 'every user'} (per-user revocation time in the store)`,
    );
  const ext = externalSecrets(d.config).filter((s) => s.action === 'external');
  plan.push(
    `report ${ext.length} secret(s) kept outside the store (${ext.map((s) => s.secret).join(', ') || 'none'}) with the steps to rotate them`,
    `leave the passwords of ${await d.users.countWithPassword()} user(s) alone (they belong to their users)`,
  );
  if (!o.revokePrevious && !o.revokeTokens)
    return { steps: plan, impact: { live_tokens_stopped: 0, cuts_off_caller: false } };
  const impact = await revocationImpact(d.users, caller, scopeOf(o));
  return { steps: [...plan, ...impactLine(impact)], impact: { ...impact } };
}
