import { z } from 'zod';

/** The compromise switch of both rotation tools: older signing keys stop verifying at once. */
export const RevokePrevious = z
  .boolean()
  .default(false)
  .describe(
    'Also revoke every older signing key: tokens they signed are refused at once (use when a key or token leaked).',
  );
