import { notFound } from '../errors.js';
import type { Plan } from '../plan.js';
import type { Db } from '../sql/db.js';
import type { Backups } from './backups.js';
import { archiveName } from './manifest.js';
import type { EntrySink } from './read.js';
import { quote, stateTables } from './schema-info.js';

/** Columns whose values the plan names: who and what would appear or vanish. */
const NAMED: Record<string, string> = { users: 'username', pools: 'name', signing_keys: 'kid' };
/** Tables a restore rewrites but that change with every call (not part of the state an approval saw). */
const CHURN = new Set(['audit_log']);

const diff = (now: string[], then: string[]) => ({
  appear: then.filter((x) => !now.includes(x)).sort(),
  vanish: now.filter((x) => !then.includes(x)).sort(),
});

function ago(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 120) return `${m} min`;
  const h = Math.round(m / 60);
  return h < 48 ? `${h} h` : `${Math.round(h / 24)} days`;
}

/** Read the named columns of the archive's users, pools and keys (the archive is verified as it is read). */
async function archived(backups: Backups, id: string) {
  const blob = await backups.blob();
  const src = await blob.get(archiveName(id));
  if (!src) throw notFound(`backup ${id} is not in ${blob.location}; run \`mahavishnu backup list\``);
  const bodies = new Map<string, Buffer[]>();
  const { readArchive } = await import('./read.js');
  const r = await readArchive(src, {
    id,
    signingKey: backups.signingKey(),
    limits: backups.limits(),
    sink: (entry): EntrySink | undefined => {
      const table = /^tables\/([a-z_]+)\//.exec(entry)?.[1];
      if (!table || !NAMED[table]) return undefined;
      const parts = bodies.get(table) ?? [];
      bodies.set(table, parts);
      return { write: (c) => void parts.push(c), end: () => void parts.push(Buffer.from('\n')) };
    },
  });
  // the manifest (columns) comes last in an archive, and its checksums held: now read the rows
  const names: Record<string, string[]> = { users: [], pools: [], signing_keys: [] };
  for (const t of r.manifest.tables) {
    const col = NAMED[t.name] ? t.columns.indexOf(NAMED[t.name]!) : -1;
    if (col < 0) continue;
    for (const line of Buffer.concat(bodies.get(t.name) ?? [])
      .toString('utf8')
      .split('\n'))
      if (line) for (const cells of JSON.parse(line) as unknown[][]) names[t.name]!.push(String(cells[col]));
  }
  return { manifest: r.manifest, names };
}

/**
 * What restoring backup `id` would change, from the archive (verified as it is read) and the live
 * store: its age and installation, the newer backups it would rewind past, rows per table now and
 * in the backup, users, pools and signing keys that would appear or vanish, running steps that
 * would be drained and whose tokens would stop working. The basis (what an approval is bound to)
 * is the backup, the newer backups and the live row counts, the audit log aside.
 */
export async function planRestore(backups: Backups, db: Db, id: string, now = Date.now()): Promise<Plan> {
  const all = await backups.list();
  const me = all.find((b) => b.id === id);
  if (!me) throw notFound(`backup ${id} is not listed; run \`mahavishnu backup list\``);
  const { manifest, names } = await archived(backups, id);
  const created = Date.parse(manifest.created);
  const newer = all.filter((b) => b.created > me.created && b.id !== id).map((b) => b.id);
  const live = new Map<string, number>();
  for (const t of await stateTables(db)) {
    const rows = await db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${quote(t.name)}`);
    live.set(t.name, Number(rows[0]?.n ?? 0));
  }
  const inBackup = new Map(manifest.tables.map((t) => [t.name, t.rows]));
  const tables = [...new Set([...live.keys(), ...inBackup.keys()])].sort().map((table) => ({
    table,
    live: live.get(table) ?? 0,
    backup: inBackup.get(table) ?? 0,
  }));
  const liveNames = async (sql: string) => (await db.query<{ v: string }>(sql)).map((r) => String(r.v));
  const users = diff(await liveNames('SELECT username AS v FROM users'), names.users!);
  const pools = diff(await liveNames('SELECT name AS v FROM pools'), names.pools!);
  const keys = diff(
    await liveNames('SELECT kid AS v FROM signing_keys WHERE revoked = 0'),
    names.signing_keys!,
  );
  const running = Number(
    (
      await db.query<{ n: number | string }>(
        "SELECT COUNT(*) AS n FROM workflow_steps WHERE state = 'running'",
      )
    )[0]?.n ?? 0,
  );
  const changed = tables.filter((t) => t.live !== t.backup);
  const list = (xs: string[]) => (xs.length ? xs.join(', ') : 'none');
  const steps = [
    `restore ${id}, made ${ago(now - created)} ago (${manifest.created}) on ${manifest.host} by mahavishnu ${manifest.mahavishnu_version} (schema ${manifest.schema_version}, ${manifest.source_dialect})`,
    newer.length
      ? `${newer.length} newer backup(s) hold changes this restore rewinds past: ${newer.join(', ')}`
      : 'no newer backup exists: only changes made since this one are lost',
    ...changed.map((t) => `table ${t.table}: ${t.live} row(s) now, ${t.backup} after the restore`),
    ...(changed.length ? [] : ['every table holds as many rows as in the backup']),
    `users that would appear: ${list(users.appear)}; vanish: ${list(users.vanish)}`,
    `pools that would appear: ${list(pools.appear)}; vanish: ${list(pools.vanish)}`,
    `${running} running step(s) would be drained first (maintenance refuses new writes meanwhile)`,
    users.vanish.length || keys.vanish.length
      ? `tokens that stop working: those of ${list(users.vanish)}; those signed by key(s) ${list(keys.vanish)}`
      : 'no current token stops working (every user and signing key stays)',
    'a safety backup of the current state is taken before anything changes',
  ];
  return {
    steps,
    impact: {
      backup: {
        id,
        created: manifest.created,
        age_seconds: Math.round((now - created) / 1000),
        host: manifest.host,
        mahavishnu_version: manifest.mahavishnu_version,
        schema_version: manifest.schema_version,
      },
      newer_backups: newer,
      tables,
      users,
      pools,
      signing_keys: keys,
      running_steps_drained: running,
      tokens_stop_working: users.vanish.length > 0 || keys.vanish.length > 0,
    },
    basis: {
      id,
      newer,
      live: tables.filter((t) => !CHURN.has(t.table)).map((t) => [t.table, t.live]),
    },
  };
}
