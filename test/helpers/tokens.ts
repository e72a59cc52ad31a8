import { cli } from './cli.js';
import { bearer } from './server.js';

/** The HTTP status a token gets from the action API (200 accepted, 401 refused). */
export const tokenStatus = async (url: string, token: string): Promise<number> =>
  (
    await fetch(`${url}/api/v1/tools/auth_list_users`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: '{}',
    })
  ).status;

/** A token for a user, minted by the in-process CLI over the store `env` points at. */
export const mintToken = (username: string, env: Record<string, string>): string =>
  JSON.parse(cli(['auth', 'create-token', '--username', username, '--json'], env).stdout).token as string;
