import { AppError } from '../errors.js';
import { keyId } from './manifest.js';

const MIN_KEY = 32;

/** The current key first, then older ones still accepted for reading (after a rotation). */
export interface Keyring {
  signing: string[];
  encryption: string[];
}

const list = (current: string, previous: string) =>
  [current, ...previous.split(',').map((k) => k.trim())].filter((k) => k.length >= MIN_KEY);

export function keyring(cfg: {
  signing_key: string;
  encryption_key: string;
  previous_signing_keys: string;
  previous_encryption_keys: string;
}): Keyring {
  return {
    signing: list(cfg.signing_key, cfg.previous_signing_keys),
    encryption: list(cfg.encryption_key, cfg.previous_encryption_keys),
  };
}

/** The key of the ring with this key id, or a refusal that names the ids (never the keys). */
export function keyFor(ring: string[], id: string, what: string, backupId: string): string {
  const k = ring.find((x) => keyId(x) === id);
  if (k) return k;
  throw new AppError(
    'invalid_input',
    `backup ${backupId} is refused: it was ${what} with key id ${id}, and the configured keys have ids ` +
      `${ring.map(keyId).join(', ') || '(none)'}; set the key it was made with (or add it to the previous_… list). Nothing was changed.`,
    { backup_id: backupId },
  );
}

export const MIN_BACKUP_KEY = MIN_KEY;
