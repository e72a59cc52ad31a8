import type { Role } from './config/schema.js';

export type { Role };
export type Transport = 'stdio' | 'http' | 'sse' | 'api' | 'cli' | 'web' | 'internal';

/** Who is calling: every call into the core carries one. */
export interface Principal {
  username: string;
  role: Role;
  transport: Transport;
  /** The jti of the bearer token the call came with (audited); absent for stdio and the CLI. */
  tokenId?: string;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

export const roleAllows = (have: Role, need: Role): boolean => RANK[have] >= RANK[need];
