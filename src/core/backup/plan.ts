import { z } from 'zod';
import type { Db, Param } from '../sql/db.js';
import type { Manifest } from './manifest.js';
import { policyOf } from './policy.js';
import { quote, stateTables } from './schema-info.js';

/** The facts a restore would act on, computed from live state and the (verified) archive. */
export const RestorePlan = z.strictObject({
  backup_id: z.string(),
  created: z.string().describe('When the backup was taken.'),
  age_seconds: z.number().int(),
  installation: z.strictObject({
    archive: z.string().nullable().describe('Installation the archive comes from (null: not recorded).'),
    live: z.string(),
    same: z.boolean(),
  }),
  newer_backups: z.array(z.string()).describe('Complete backups taken after this one (their state is lost).'),
  tables: z.array(
    z.strictObject({
      name: z.string(),
      policy: z.enum(['replace', 'keep-live', 'keyring', 'users', 'live']),
      live_rows: z.number().int(),
      archive_rows: z.number().int(),
    }),
  ),
  users: z.strictObject({
    appearing_disabled: z.array(z.string()).describe('Only in the archive: they come back disabled.'),
    narrowed: z.array(z.string()).describe("Live users lowered to the archive's role or disabled state."),
    kept: z.number().int().describe('Live users that stay as they are.'),
  }),
  pools: z.strictObject({
    appearing: z.array(z.string()).describe('Pools only in the archive.'),
    vanishing: z.array(z.string()).describe('Live pools the archive does not have.'),
  }),
});
export type RestorePlan = z.infer<typeof RestorePlan>;

const RANK: Record<string, number> = { viewer: 0, operator: 1, admin: 2 };

/** The rows of the archive's users and pools, as read by the verify pass (see Backups.planRestore). */
export interface ArchiveFacts {
  users: Record<string, Param>[];
  pools: Record<string, Param>[];
}

export async function computePlan(
  db: Db,
  m: Manifest,
  facts: ArchiveFacts,
  o: { liveInstallation: string; newer: string[] },
): Promise<RestorePlan> {
  const live = await stateTables(db);
  const tables: RestorePlan['tables'] = [];
  for (const ti of live) {
    const n = Number(
      (await db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${quote(ti.name)}`))[0]?.n ?? 0,
    );
    tables.push({
      name: ti.name,
      policy: policyOf(ti.name),
      live_rows: n,
      archive_rows: m.tables.find((t) => t.name === ti.name)?.rows ?? 0,
    });
  }
  const users = live.some((t) => t.name === 'users')
    ? await db.query<{ id: string; username: string; role: string; disabled: number }>(
        'SELECT id, username, role, disabled FROM users',
      )
    : [];
  const appearing: string[] = [];
  const narrowed: string[] = [];
  for (const a of facts.users) {
    const have = users.find((u) => u.id === a.id || u.username === a.username);
    if (!have) appearing.push(String(a.username));
    else if (
      (RANK[String(a.role)] ?? 9) < (RANK[have.role] ?? 9) ||
      (Number(a.disabled) === 1 && Number(have.disabled) !== 1)
    )
      narrowed.push(have.username);
  }
  const livePools = live.some((t) => t.name === 'pools')
    ? (await db.query<{ name: string }>('SELECT name FROM pools')).map((p) => p.name)
    : [];
  const archivePools = facts.pools.map((p) => String(p.name));
  const archiveInstallation = m.installation ?? null;
  return {
    backup_id: m.id,
    created: m.created,
    age_seconds: Math.max(0, Math.round((Date.now() - Date.parse(m.created)) / 1000)),
    installation: {
      archive: archiveInstallation,
      live: o.liveInstallation,
      same: archiveInstallation === o.liveInstallation,
    },
    newer_backups: o.newer,
    tables,
    users: { appearing_disabled: appearing, narrowed, kept: users.length - narrowed.length },
    pools: {
      appearing: archivePools.filter((p) => !livePools.includes(p)),
      vanishing: livePools.filter((p) => !archivePools.includes(p)),
    },
  };
}

/** The plan as the lines a dry run shows. */
export function planLines(p: RestorePlan, o: { safetyIn: string; store: string }): string[] {
  const replaced = p.tables.filter((t) => t.policy === 'replace');
  const merged = p.tables.filter((t) => t.policy !== 'replace');
  return [
    `verify ${p.backup_id} (taken ${p.created}, ${Math.round(p.age_seconds / 60)} min ago) and check it fits this store`,
    p.installation.same
      ? `it comes from this installation (${p.installation.live})`
      : `it comes from ANOTHER installation (${p.installation.archive ?? 'not recorded'}; this one is ${p.installation.live}): needs allow_other_installation`,
    p.newer_backups.length
      ? `${p.newer_backups.length} newer backup(s) exist (${p.newer_backups.slice(0, 5).join(', ')}): the state since then is replaced`
      : 'it is the newest backup',
    'enter maintenance in every process: refuse other writes, pause pools, drain running steps',
    `replace ${replaced.length} table(s) of ${o.store}, all or nothing: ${replaced
      .map((t) => `${t.name} ${t.live_rows}→${t.archive_rows}`)
      .join(', ')}`,
    `merge, never roll back: ${merged.map((t) => `${t.name} (${t.policy}, live ${t.live_rows}, archive ${t.archive_rows})`).join(', ')}`,
    `users: ${p.users.appearing_disabled.length} come back disabled (${p.users.appearing_disabled.join(', ') || 'none'}), ` +
      `${p.users.narrowed.length} narrowed (${p.users.narrowed.join(', ') || 'none'}), ${p.users.kept} kept as they are`,
    `pools: appearing ${p.pools.appearing.join(', ') || 'none'}; vanishing ${p.pools.vanishing.join(', ') || 'none'}`,
    `keep the state it replaces as a safety backup in ${o.safetyIn}`,
    'append the restore to the audit log, leave maintenance',
  ];
}
