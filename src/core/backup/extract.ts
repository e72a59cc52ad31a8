import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { AppError } from '../errors.js';

/**
 * Write the archive's settings files (secrets removed) under target for the operator to compare
 * with the live ones; only plain names that resolve inside target are written.
 */
export function extractSettings(target: string, files: Map<string, Buffer>): string[] {
  const root = resolve(target);
  const written: string[] = [];
  for (const [name, content] of files) {
    const path = resolve(root, name);
    if (!path.startsWith(root + sep))
      throw new AppError('invalid_input', `settings entry "${name}" points outside ${root}`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content, { mode: 0o600 });
    written.push(path);
  }
  return written;
}
