import { decryptValue, encryptValue, isSecret } from './secrets.js';

/**
 * How a cell travels in a dump line, the same from SQLite and PostgreSQL: JSON scalars as they
 * are, bytes as {"b": base64}, encrypted secrets as {"e": sealed, "t": "s"|"b"}; booleans become
 * 0/1 and dates epoch-free ISO text, following the store's conventions.
 */
export type Cell = string | number | null | { b: string } | { e: string; t: 's' | 'b' };

const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;

/** A row encoder for one table: secret columns are found once, not per cell. */
export function rowEncoder(table: string, columns: string[], key: Buffer | undefined) {
  const secret = columns.map((c) => isSecret(table, c));
  return (r: Record<string, unknown>): Cell[] =>
    columns.map((c, i) => {
      const v = r[c];
      if (v === null || v === undefined) return null;
      if (secret[i]) {
        if (!key) throw new Error('secret column without an encryption key');
        const where = `${table}.${c}`;
        return isBytes(v)
          ? { e: encryptValue(key, where, Buffer.from(v)), t: 'b' }
          : { e: encryptValue(key, where, String(v)), t: 's' };
      }
      return typeof v === 'string' || typeof v === 'number' ? v : plain(v);
    });
}

function plain(v: unknown): Cell {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (isBytes(v)) return { b: Buffer.from(v).toString('base64') };
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v);
}

export function decodeCell(
  c: unknown,
  table: string,
  column: string,
  key: Buffer | undefined,
): string | number | null | Buffer {
  if (c === null || typeof c === 'string' || typeof c === 'number') return c;
  if (typeof c === 'object' && c) {
    const o = c as { b?: unknown; e?: unknown; t?: unknown };
    if (typeof o.b === 'string') return Buffer.from(o.b, 'base64');
    if (typeof o.e === 'string') {
      if (!key) throw new Error('encrypted value without an encryption key');
      const plain = decryptValue(key, `${table}.${column}`, o.e);
      return o.t === 'b' ? plain : plain.toString('utf8');
    }
  }
  throw new Error(`unexpected value in ${table}.${column}`);
}
