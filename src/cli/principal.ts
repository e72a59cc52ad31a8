import { userInfo } from 'node:os';
import type { Core } from '../core/core.js';
import type { Principal } from '../core/principal.js';

/** Who an in-process CLI call acts as: the local user, with the role the settings give the CLI. */
export const cliPrincipal = (core: Core): Principal => ({
  username: `cli:${userInfo().username}`,
  role: core.config.auth.cli_role,
  transport: 'cli',
});
