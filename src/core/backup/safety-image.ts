import { basename, dirname, join } from 'node:path';

// Where a restore keeps the database file it replaced until its safety backup is sealed:
// `.safety-<ms>-<pid>.db` beside the live file, named after the process that is to seal it, so a
// file whose process is dead is found and sealed by the next backup (Backups.sealLeftImages).

/** A safety image's name: [whole, ms, pid]. */
export const SAFETY_IMAGE = /^\.safety-(\d+)-(\d+)\.db$/;

/** A new safety image in `dir`, owned by this process. */
export const newSafetyImage = (dir: string): string => join(dir, `.safety-${Date.now()}-${process.pid}.db`);

/** The same safety image, owned by process `pid` (a rename to it hands the file over). */
export function ownedBy(image: string, pid: number): string {
  const m = SAFETY_IMAGE.exec(basename(image));
  if (!m) throw new Error(`${image} is not a safety image`);
  return join(dirname(image), `.safety-${m[1]}-${pid}.db`);
}
