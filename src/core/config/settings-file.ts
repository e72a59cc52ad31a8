import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** A settings file is a few KB; anything near this is not one (and would be read whole). */
export const MAX_SETTINGS_BYTES = 1024 * 1024;

/**
 * Read a settings file, or say why it cannot be one, without ever blocking or reading without
 * bound: opened non-blocking (a FIFO would otherwise hang every command), then checked to be a
 * regular file (not a FIFO, a device such as /dev/zero, a folder) of at most MAX_SETTINGS_BYTES.
 */
export function readSettingsFile(path: string): { text: string; mode: number } | { problem: string } {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return { problem: `${path}: cannot be opened (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile())
      return {
        problem: `${path}: is not a regular file (${kind(st)}); a settings file must be a plain YAML file`,
      };
    if (st.size > MAX_SETTINGS_BYTES)
      return {
        problem: `${path}: is ${st.size} bytes, more than a settings file may be (${MAX_SETTINGS_BYTES}); point at the real settings file`,
      };
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n === 0) break;
      off += n;
    }
    return { text: buf.subarray(0, off).toString('utf8'), mode: st.mode & 0o777 };
  } finally {
    closeSync(fd);
  }
}

function kind(st: ReturnType<typeof fstatSync>): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isDirectory()) return 'a folder';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

type Tree = Record<string, unknown>;
const str = (t: unknown, k: string) =>
  t && typeof t === 'object' && typeof (t as Tree)[k] === 'string' ? ((t as Tree)[k] as string) : '';
const hasPassword = (url: string) => {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
};

/** The secret settings a file's own tree sets (key paths, never values). */
export function secretKeysIn(tree: Tree): string[] {
  const out: string[] = [];
  for (const k of ['signing_key', 'encryption_key', 'previous_signing_keys', 'previous_encryption_keys'])
    if (str(tree.backup, k)) out.push(`backup.${k}`);
  if (hasPassword(str(tree.database, 'url'))) out.push('database.url');
  if (hasPassword(str(tree.cache, 'redis_url'))) out.push('cache.redis_url');
  const adapters = tree.adapters && typeof tree.adapters === 'object' ? (tree.adapters as Tree) : {};
  for (const [name, spec] of Object.entries(adapters))
    if (hasPassword(str(spec, 'base_url'))) out.push(`adapters.${name}.base_url`);
  return out;
}

export interface ExposedSettings {
  file: string;
  /** Octal, e.g. "644". */
  mode: string;
  keys: string[];
}

/** What a start warns about and validate-production fails on: secrets in a file group or others can read. */
export const exposureMessage = (x: ExposedSettings) =>
  `${x.file} holds ${x.keys.join(', ')} and is readable by group or others (mode ${x.mode}); ` +
  `run \`chmod 600 ${x.file}\` (owned by the service user), or move the secrets to the environment`;
