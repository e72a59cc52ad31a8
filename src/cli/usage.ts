/** Help texts of the builtins, kept apart so `--help` loads no server code. */
export const SERVE_USAGE = `Usage: mahavishnu serve [--host ADDRESS] [--port PORT]

Run the server: MCP over Streamable HTTP (/mcp) and SSE (/sse + /messages), the action API the CLI
uses with --server (/api/v1/tools/<name>), probes (/health, /ready, /health/components) and
/metrics. Binds server.host:server.port from the settings (127.0.0.1:8080 by default); --port 0
picks a free port. The listen address is printed on stderr.

SIGTERM or SIGINT: /ready turns 503, new sessions are refused, calls in flight get up to
server.drain_timeout_ms to finish, then the stores close and the process exits 0; a second
signal exits at once. SIGHUP reloads the settings.`;

export const STATUS_USAGE = `Usage: mahavishnu mcp status [--server URL] [--json]

Check a running server (--server, else server.url, else http://127.0.0.1:<server.port>): GET /health,
GET /ready, GET /health/components, then an MCP initialize and tools/list over /mcp with the token in
MAHAVISHNU_TOKEN. Prints the version, uptime, tool count and each component's state.
Exit code: 0 when all is well; 7 when the server is down or not ready; 3 when the token is refused.`;
