import { AppError } from '../errors.js';
import type { Db, Param } from '../sql/db.js';
import { mergeUsers } from './merge-users.js';
import { policyOf } from './policy.js';
import type { RestoreOutcome } from './restore.js';
import { NOT_STATE, quote } from './schema-info.js';

const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

interface Definition {
  type: string;
  name: string;
  tbl_name: string;
  sql: string;
}

/**
 * The merge policies of policy.ts, applied to a restored image (format 3) before it is put in
 * place of the live database: the image holds the archive's state, the live file is attached,
 * and every table whose rows must stay live (security state, history, live coordination, the
 * tables that are not state) takes the live rows. The same outcomes as restoreInto's, in SQL.
 */
export async function mergeLive(
  img: Db,
  livePath: string,
  o: { id: string; importKeys: boolean },
): Promise<Pick<RestoreOutcome, 'replaced' | 'merged' | 'users'>> {
  // a table taken from live is dropped and created again as live has it (columns, indexes,
  // triggers: the audit log's forbid deleting its rows); foreign keys are checked at the end
  await img.exec('PRAGMA foreign_keys = OFF');
  await img.exec(`ATTACH DATABASE ${literal(livePath)} AS live`);
  try {
    return await img.tx(async (t) => {
      const defs = await t.query<Definition>(
        "SELECT type, name, tbl_name, sql FROM live.sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%'",
      );
      const mine = new Set(
        (await t.query<{ name: string }>("SELECT name FROM main.sqlite_master WHERE type = 'table'")).map(
          (r) => r.name,
        ),
      );
      const takeLive = async (table: string, rows = true) => {
        if (mine.has(table)) await t.exec(`DROP TABLE main.${quote(table)}`);
        const own = defs.filter((d) => d.tbl_name === table);
        for (const d of own.filter((d) => d.type === 'table')) await t.exec(d.sql);
        if (rows) await t.exec(`INSERT INTO main.${quote(table)} SELECT * FROM live.${quote(table)}`);
        for (const d of own.filter((d) => d.type !== 'table')) await t.exec(d.sql);
      };
      const liveRows = async (table: string) =>
        Number(
          (
            await t.query<{ n: number }>(
              `SELECT COUNT(*) AS n FROM (SELECT 1 FROM live.${quote(table)} LIMIT 1)`,
            )
          )[0]?.n ?? 0,
        );
      const replaced: string[] = [];
      const merged: RestoreOutcome['merged'] = [];
      let users: RestoreOutcome['users'] = { tightened: [], added_disabled: [] };
      for (const d of defs.filter((d) => d.type === 'table')) {
        const table = d.name;
        if (NOT_STATE.has(table)) {
          await takeLive(table);
          continue;
        }
        const p = policyOf(table);
        if (p === 'replace') {
          // a table live has and the archive has not: empty, as a restore of rows leaves it
          if (!mine.has(table)) await takeLive(table, false);
          replaced.push(table);
        } else if (p === 'live') {
          await takeLive(table);
          merged.push({ table, detail: 'live rows kept (leases and heartbeats of running processes)' });
        } else if (p === 'keep-live') {
          const empty = (await liveRows(table)) === 0 && mine.has(table);
          if (!empty) await takeLive(table);
          merged.push({
            table,
            detail: empty
              ? 'live table was empty: the archive rows were loaded'
              : 'live rows kept; the archive rows stay in the archive',
          });
        } else if (p === 'keyring') {
          if (o.importKeys && mine.has(table)) await keepArchiveOnly(t, table);
          else await takeLive(table);
          merged.push({
            table,
            detail: o.importKeys
              ? 'live keys kept as they are; keys only in the archive imported'
              : 'live keys kept as they are; keys only in the archive not imported (import_keys)',
          });
        } else {
          const archived = mine.has(table)
            ? await t.query<Record<string, Param>>(`SELECT * FROM main.${quote(table)}`)
            : [];
          await takeLive(table);
          users = await mergeUsers(t, archived);
          merged.push({
            table,
            detail:
              `${users.tightened.length} live user(s) narrowed to the archive's lower role or disabled state, ` +
              `${users.added_disabled.length} archive-only user(s) added disabled, live users otherwise kept`,
          });
        }
      }
      const broken = await t.query<{ table: string; parent: string }>('PRAGMA main.foreign_key_check');
      if (broken.length)
        throw new AppError(
          'invalid_input',
          `backup ${o.id}: ${broken.length} row(s) of ${[...new Set(broken.map((b) => b.table))].join(', ')} ` +
            `would point to rows of ${[...new Set(broken.map((b) => b.parent))].join(', ')} that the restored state lacks; nothing was changed`,
        );
      return { replaced, merged, users };
    });
  } finally {
    await img.exec('DETACH DATABASE live').catch(() => {});
  }
}

/** The live rows of a table, plus the archive's whose key live does not have (import_keys). */
async function keepArchiveOnly(t: Db, table: string): Promise<void> {
  const cols = await t.query<{ name: string; pk: number }>(`PRAGMA live.table_info(${quote(table)})`);
  const key = cols.filter((c) => Number(c.pk) > 0).map((c) => quote(c.name));
  const list = cols.map((c) => quote(c.name)).join(', ');
  const k = key.length ? key.join(', ') : list;
  await t.exec(
    `DELETE FROM main.${quote(table)} WHERE (${k}) IN (SELECT ${k} FROM live.${quote(table)});
     INSERT INTO main.${quote(table)} (${list}) SELECT ${list} FROM live.${quote(table)}`,
  );
}
