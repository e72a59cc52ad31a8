/** One request the caller must answer before the call can go on (an MCP input request). */
export interface InputRequest {
  method: 'elicitation/create' | 'sampling/createMessage' | 'roots/list';
  params?: Record<string, unknown>;
}

/**
 * Thrown by a tool that needs answers from its caller first (2026-07-28 multi-round-trip:
 * `input_required`). The face asks the caller (MCP: an InputRequiredResult, which a 2025-era
 * session fulfils with real requests) and the call is made again with the answers, readable in
 * `ctx.client.inputResponses`; `state` comes back as `ctx.client.requestState`.
 */
export class InputRequired extends Error {
  constructor(
    readonly requests: Record<string, InputRequest>,
    readonly state?: string,
  ) {
    super(`the call needs input first: ${Object.keys(requests).join(', ')}`);
    this.name = 'InputRequired';
  }
}

/**
 * Thrown by a tool that cannot go on without a capability the client did not declare (it would
 * have to ask for sampling, say): MCP answers -32021 naming it, rather than a tool error.
 */
export class CapabilityRequired extends Error {
  constructor(readonly capability: 'elicitation' | 'sampling' | 'roots') {
    super(`the client must declare the ${capability} capability for this call`);
    this.name = 'CapabilityRequired';
  }
}
