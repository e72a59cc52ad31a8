import type { Db, Param } from '../sql/db.js';
import { quote, type TableInfo } from './schema-info.js';

/** Rows in key order, a page at a time (keyset pagination; OFFSET only for tables without a key). */
export async function* pages(
  t: Db,
  ti: TableInfo,
  size: { limit: number },
): AsyncGenerator<Record<string, unknown>[]> {
  const cols = ti.columns.map(quote).join(', ');
  const key = ti.key.length ? ti.key : ti.columns;
  const order = key.map(quote).join(', ');
  let last: Record<string, unknown> | undefined;
  let offset = 0;
  for (;;) {
    // read before the query: the consumer may change size.limit while this page is out
    const limit = size.limit;
    let rows: Record<string, unknown>[];
    if (ti.key.length === 0) {
      rows = await t.query(
        `SELECT ${cols} FROM ${quote(ti.name)} ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`,
      );
      offset += rows.length;
    } else if (!last) {
      rows = await t.query(`SELECT ${cols} FROM ${quote(ti.name)} ORDER BY ${order} LIMIT ${limit}`);
    } else {
      const ph = key.map((_, i) => `$${i + 1}`).join(', ');
      const cmp = key.length === 1 ? `${order} > ${ph}` : `(${order}) > (${ph})`;
      rows = await t.query(
        `SELECT ${cols} FROM ${quote(ti.name)} WHERE ${cmp} ORDER BY ${order} LIMIT ${limit}`,
        key.map((k) => last![k] as Param),
      );
    }
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < limit) return;
    last = rows.at(-1);
  }
}
