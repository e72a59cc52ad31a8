import { randomBytes } from 'node:crypto';
import { createRequestStateCodec, type RequestStateCodec } from '@modelcontextprotocol/server';
import type { Core } from '../core/core.js';

const codecs = new WeakMap<Core, RequestStateCodec<string>>();

/**
 * The `requestState` of a multi-round-trip call (a tool that threw InputRequired) is signed
 * (HMAC, the SDK's codec) and checked before the repeated call runs, so a client cannot hand a
 * tool a state it did not issue (the SDK answers -32602). The key is mcp.request_state_secret, the
 * same on every replica; empty: a key of this process (a repeated call must then reach it).
 */
export function requestStateCodec(core: Core): RequestStateCodec<string> {
  let codec = codecs.get(core);
  if (!codec) {
    const key = core.config.mcp.request_state_secret || randomBytes(32).toString('base64url');
    codec = createRequestStateCodec<string>({ key, ttlSeconds: 3600 });
    codecs.set(core, codec);
  }
  return codec;
}
