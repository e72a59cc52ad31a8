import type { Db } from '../sql/db.js';

export interface TableInfo {
  name: string;
  columns: string[];
  /** Primary-key columns, in key order (empty when the table has none). */
  key: string[];
}

/**
 * Tables that describe the store or the archives rather than the state: the migration ledger
 * (the schema version is recorded in the manifest instead) and the backup catalog (it describes
 * archives that exist independently of the state, so a restore keeps the current one), and the
 * history of DR checks (a fact about the archives too), the installation id (which installation
 * this store is, whatever archive it was restored from) and the human approvals (security state:
 * a restore must never bring back an approval that was used or denied since), the tool tasks
 * (a restore running as a task must not rewind its own record), and the maintenance (live
 * coordination of the processes, which the restore itself holds).
 */
export const NOT_STATE = new Set([
  'schema_migrations',
  'backup_catalog',
  'dr_checks',
  'installation',
  'approvals',
  'tool_tasks',
  // the installation-wide maintenance a restore holds while it runs, and the processes following it
  'maintenance',
  'maintenance_peers',
]);

const SAFE_NAME = /^[a-z_][a-z0-9_]*$/i;
export const quote = (name: string) => {
  if (!SAFE_NAME.test(name)) throw new Error(`unexpected identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
};

/** Every state table of the store, with columns and key, found generically (no list to keep up to date). */
export async function stateTables(db: Db): Promise<TableInfo[]> {
  const out: TableInfo[] = [];
  if (db.dialect === 'sqlite') {
    const tables = await db.query<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    );
    for (const { name } of tables) {
      if (NOT_STATE.has(name)) continue;
      const cols = await db.query<{ name: string; pk: number }>(`PRAGMA table_info(${quote(name)})`);
      out.push({
        name,
        columns: cols.map((c) => c.name),
        key: cols
          .filter((c) => Number(c.pk) > 0)
          .sort((a, b) => Number(a.pk) - Number(b.pk))
          .map((c) => c.name),
      });
    }
  } else {
    const cols = await db.query<{ table_name: string; column_name: string }>(
      `SELECT c.table_name, c.column_name FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
        WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
        ORDER BY c.table_name, c.ordinal_position`,
    );
    const keys = await db.query<{ table_name: string; column_name: string }>(
      `SELECT k.table_name, k.column_name FROM information_schema.table_constraints tc
         JOIN information_schema.key_column_usage k
           ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema
        WHERE tc.table_schema = current_schema() AND tc.constraint_type = 'PRIMARY KEY'
        ORDER BY k.table_name, k.ordinal_position`,
    );
    const byName = new Map<string, TableInfo>();
    for (const c of cols) {
      if (NOT_STATE.has(c.table_name)) continue;
      const t = byName.get(c.table_name) ?? { name: c.table_name, columns: [], key: [] };
      byName.set(c.table_name, t);
      t.columns.push(c.column_name);
    }
    for (const k of keys) byName.get(k.table_name)?.key.push(k.column_name);
    out.push(...[...byName.values()].sort((a, b) => a.name.localeCompare(b.name)));
  }
  return orderByDependencies(out, await foreignKeys(db, out));
}

/** child → parents, from the store's foreign keys. */
async function foreignKeys(db: Db, tables: TableInfo[]): Promise<Map<string, string[]>> {
  const deps = new Map<string, string[]>();
  if (db.dialect === 'sqlite') {
    for (const t of tables) {
      const fks = await db.query<{ table: string }>(`PRAGMA foreign_key_list(${quote(t.name)})`);
      deps.set(
        t.name,
        fks.map((f) => f.table),
      );
    }
  } else {
    const rows = await db.query<{ child: string; parent: string }>(
      `SELECT cl.relname AS child, pl.relname AS parent FROM pg_constraint c
         JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_class pl ON pl.oid = c.confrelid
         JOIN pg_namespace n ON n.oid = cl.relnamespace
        WHERE c.contype = 'f' AND n.nspname = current_schema()`,
    );
    for (const r of rows) deps.set(r.child, [...(deps.get(r.child) ?? []), r.parent]);
  }
  return deps;
}

/** Parents before children, so inserting in this order (and deleting in reverse) satisfies foreign keys. */
function orderByDependencies(tables: TableInfo[], deps: Map<string, string[]>): TableInfo[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const done = new Set<string>();
  const out: TableInfo[] = [];
  const visit = (name: string, path: Set<string>) => {
    if (done.has(name) || path.has(name) || !byName.has(name)) return;
    path.add(name);
    for (const p of deps.get(name) ?? []) if (p !== name) visit(p, path);
    done.add(name);
    out.push(byName.get(name)!);
  };
  for (const t of tables) visit(t.name, new Set());
  return out;
}
