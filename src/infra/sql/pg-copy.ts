import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type postgres from 'postgres';
import { AppError } from '../../core/errors.js';
import type { Param, RowLoader } from '../../core/sql/db.js';
import { storeError } from './errors.js';

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

// COPY's text format: a row per line, cells split by tabs, \N is NULL; a backslash, tab, newline or
// carriage return inside a value is written as its backslash escape (so `\N` as text is `\\N`)
const SPECIAL = /[\\\t\n\r]/;
const ESCAPES = /[\\\t\n\r]/g;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const escaped = (c: string) => ESCAPED[c]!;

/** One cell in COPY text: strings escaped, numbers as query would send them, bytes as bytea hex (`\\x…`). */
function cell(v: Param): string {
  if (v === null) return '\\N';
  if (typeof v === 'string') return SPECIAL.test(v) ? v.replace(ESCAPES, escaped) : v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return `\\\\x${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}`;
}

/**
 * Rows in COPY text. Bytes only go to bytea columns: into a text column COPY would store their hex
 * spelling, where an INSERT refuses them, so they are refused here too.
 */
export function copyText(
  rows: readonly (readonly Param[])[],
  table: string,
  columns: readonly string[],
  bytea: readonly boolean[],
): string {
  let out = '';
  for (const r of rows) {
    if (r.length !== columns.length)
      throw new AppError('invalid_input', `a row for ${table} has ${r.length} cells, not ${columns.length}`);
    for (let i = 0; i < r.length; i++) {
      const v = r[i]!;
      if (v instanceof Uint8Array && !bytea[i])
        throw new AppError(
          'invalid_input',
          `${table}.${columns[i]} is not a bytea column and cannot take bytes`,
        );
      out += i ? `\t${cell(v)}` : cell(v);
    }
    out += '\n';
  }
  return out;
}

type Sql = postgres.Sql | postgres.TransactionSql;
/** The driver's query: a promise of the COPY stream, and the reject the connection calls when the statement fails. */
type CopyQuery = Promise<Writable> & { writable(): Promise<Writable>; reject: (e: unknown) => void };

/**
 * COPY … FROM STDIN on `sql` (a transaction's connection: the rows are part of it). Started at
 * once: the columns' types, then the COPY; rows are encoded as they come, in chunks the socket
 * takes with backpressure.
 */
export function copyIn(sql: Sql, table: string, columns: readonly string[], location: string): RowLoader {
  let failure: Error | undefined;
  /** The statement is over (finished, refused by the server, or the connection lost): no CopyFail is due. */
  let settled = false;
  let onFailure: (e: Error) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    onFailure = reject;
  });
  failed.catch(() => {});
  const fail = (e: unknown) => {
    if (failure) return;
    failure = storeError(e, location);
    onFailure(failure);
  };
  let bytea: boolean[] = [];
  const ready = (async () => {
    const types = await sql.unsafe<{ name: string; type: string }[]>(
      `SELECT a.attname AS name, t.typname AS type FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
      [ident(table)],
    );
    bytea = columns.map((c) => {
      const t = types.find((x) => x.name === c);
      if (!t) throw new AppError('invalid_input', `column ${table}.${c} does not exist in this store`);
      return t.type === 'bytea';
    });
    const q = sql.unsafe(
      `COPY ${ident(table)} (${columns.map(ident).join(', ')}) FROM STDIN`,
    ) as unknown as CopyQuery;
    // porsager/postgres#1173 (3.4.9): a failure the server reports after the last row (a key twice,
    // a missing parent row, a bad value in the last lines) reaches only the query's reject, a no-op
    // once the query resolved with the stream, and the stream never finishes: take it from there
    const reject = q.reject;
    q.reject = (e) => {
      settled = true;
      fail(e);
      reject(e);
    };
    const w = await q.writable();
    w.on('error', (e) => {
      settled = true;
      fail(e);
    });
    w.on('finish', () => {
      settled = true;
    });
    return w;
  })();
  ready.catch((e) => {
    settled = true;
    fail(e);
  });
  const stream = async () => {
    const w = await ready.catch(() => undefined);
    if (failure || !w) throw failure;
    return w;
  };
  const abort = async (reason: Error) => {
    fail(reason);
    const w = await ready.catch(() => undefined);
    // CopyFail: the server drops the rows and the connection takes the next statement
    if (w && !settled && !w.destroyed) w.destroy(reason);
  };
  return {
    async write(rows) {
      const w = await stream();
      let text: string;
      try {
        text = copyText(rows, table, columns, bytea);
      } catch (e) {
        await abort(e as Error);
        throw e;
      }
      if (!w.write(text)) await Promise.race([once(w, 'drain'), failed]);
      if (failure) throw failure;
    },
    async end() {
      const w = await stream();
      w.end();
      await Promise.race([once(w, 'finish'), failed]);
      if (failure) throw failure;
    },
    abort,
  };
}
