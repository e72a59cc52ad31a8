import type { Core } from '../core/core.js';
import { Health } from '../core/health/health.js';
import type { Principal } from '../core/principal.js';
import { backupList } from '../tools/backup/list.js';
import { invoke } from '../tools/invoke.js';
import { poolList } from '../tools/pool/list.js';

/**
 * Live state served as resources and gathered by the incident prompts. Everything is read in
 * this process.
 */

export async function healthState(core: Core) {
  const components = await core.health.components();
  return { status: Health.overall(components), checked_at: new Date().toISOString(), components };
}

/**
 * The pools and backups resources are the pool_list and backup_list tools read for the session's
 * caller: policy, role, metrics and the log line apply as to the tool call, and a policy that
 * hides the tool refuses the resource too.
 */
export const poolsState = (core: Core, principal: Principal) => invoke(poolList, {}, { core, principal });
export const backupsState = (core: Core, principal: Principal) => invoke(backupList, {}, { core, principal });

type Sample = { labels: Record<string, string | number>; value: number; metricName?: string };

async function samples(core: Core, name: string): Promise<Sample[]> {
  const m = (await core.metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []) as Sample[];
}

/** Errors by source and code, and the share of tool calls that failed, since the process started. */
export async function errorFacts(core: Core) {
  const errors = (await samples(core, 'mahavishnu_errors_total')).map((s) => ({
    ...s.labels,
    count: s.value,
  }));
  const calls = await samples(core, 'mahavishnu_tool_calls_total');
  const total = calls.reduce((n, s) => n + s.value, 0);
  const failed = calls.filter((s) => s.labels.outcome !== 'ok').reduce((n, s) => n + s.value, 0);
  return {
    tool_calls: total,
    tool_calls_failed: failed,
    error_ratio: total ? Math.round((failed / total) * 10000) / 10000 : 0,
    errors_by_code: errors,
    adapters_last_5m: core.adapters.callRates(),
    note: 'counts since this process started; for rates use rate(mahavishnu_errors_total[5m]) in Prometheus',
  };
}

/** Mean latency per tool from the call histogram, slowest first. */
export async function latencyFacts(core: Core) {
  const all = await samples(core, 'mahavishnu_tool_call_duration_seconds');
  const per = new Map<string, { sum: number; count: number }>();
  for (const s of all) {
    const tool = String(s.labels.tool);
    const e = per.get(tool) ?? { sum: 0, count: 0 };
    if (s.metricName?.endsWith('_sum')) e.sum = s.value;
    if (s.metricName?.endsWith('_count')) e.count = s.value;
    per.set(tool, e);
  }
  return [...per.entries()]
    .filter(([, e]) => e.count > 0)
    .map(([tool, e]) => ({ tool, calls: e.count, mean_seconds: Math.round((e.sum / e.count) * 1e4) / 1e4 }))
    .sort((a, b) => b.mean_seconds - a.mean_seconds)
    .slice(0, 10);
}

/** Per open pool: its size bounds, workers by state and queued steps, across every host (the state store). */
export async function poolSaturation(core: Core) {
  const pools = await core.pools.list(false);
  return {
    pools: Object.fromEntries(
      pools.map((p) => [
        p.name,
        {
          desired: p.desired,
          max: p.max,
          workers: p.workers,
          queue_depth: p.queue_depth,
          running_steps: p.running_steps,
        },
      ]),
    ),
  };
}

/** Tools whose successful call takes access away: tokens, keys, users. */
const REVOKING = [
  'security_rotate_secrets',
  'security_rotate_jwt_secret',
  'auth_revoke_token',
  'auth_disable_user',
];

/** The newest revocations (tokens, keys, users) that ran, from the audit log, newest first. */
async function recentRevocations(core: Core) {
  const per = await Promise.all(REVOKING.map((tool) => core.audit.list({ limit: 20, tool })));
  return per
    .flat()
    .filter(
      (e) => e.phase === 'end' && e.outcome === 'ok' && (e.input as { dry_run?: unknown })?.dry_run !== true,
    )
    .sort((a, b) => b.seq - a.seq)
    .slice(0, 10)
    .map((e) => ({ ts: e.ts, principal: e.principal, tool: e.tool, input: e.input }));
}

const hoursSince = (iso: string) => Math.round(((Date.now() - Date.parse(iso)) / 3_600_000) * 100) / 100;

/**
 * What decides a restore: the newest backup, the newest one a verification read back whole, and
 * how old it is against the RPO.
 */
export async function backupFacts(core: Core) {
  const all = await core.backups.list();
  const brief = (b: (typeof all)[number] | undefined) =>
    b
      ? {
          id: b.id,
          type: b.type,
          created: b.created,
          age_hours: hoursSince(b.created),
          last_verified: b.last_verified,
        }
      : null;
  const verified = all.find((b) => b.verified_ok === true);
  const rpo = core.config.dr.rpo_hours;
  return {
    count: all.length,
    newest: brief(all[0]),
    newest_verified: brief(verified),
    rpo_hours: rpo,
    verified_within_rpo: verified ? hoursSince(verified.created) <= rpo : false,
    ...(verified
      ? {}
      : {
          next_step: all[0]
            ? `no backup is verified: backup_verify {"backup_id":"${all[0].id}"} before restoring from it`
            : 'no backup exists: backup_create {"type":"full"} once the data is sound',
        }),
  };
}

/** Recent refused calls (unauthenticated, forbidden) and revocations, from the audit log and the error counters. */
export async function securityFacts(core: Core) {
  const recent = await core.audit.list({ limit: 200 });
  const refused = recent.filter((e) => e.error_code === 'forbidden' || e.error_code === 'unauthenticated');
  const errors = (await samples(core, 'mahavishnu_errors_total')).filter(
    (s) => s.labels.code === 'forbidden' || s.labels.code === 'unauthenticated',
  );
  return {
    refused_calls_in_last_200_audit_records: refused.slice(0, 20).map((e) => ({
      ts: e.ts,
      principal: e.principal,
      transport: e.transport,
      tool: e.tool,
      code: e.error_code,
    })),
    refused_since_start: errors.map((s) => ({ ...s.labels, count: s.value })),
    recent_revocations: await recentRevocations(core),
    audit_chain: await core.audit.verify().then(
      (v) => v,
      (e: Error) => ({ ok: false, error: e.message }),
    ),
  };
}
