/** What the running server knows about itself that the probes and routes read. */
export interface ServerState {
  /** Set at the first SIGTERM: /ready answers 503 and new sessions and calls are refused. */
  draining: boolean;
}
