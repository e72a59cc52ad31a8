/** Help texts of the builtins, kept apart so `--help` loads no server code. */
export const SERVE_USAGE = `Usage: mahavishnu serve [--host ADDRESS] [--port PORT]

Run the server: MCP over Streamable HTTP (/mcp) and SSE (/sse + /messages), the action API the CLI
uses with --server (/api/v1/tools/<name>), probes (/health, /ready, /health/components) and
/metrics. Binds server.host:server.port from the settings (127.0.0.1:8080 by default); --port 0
picks a free port. The listen address is printed on stderr.

SIGTERM or SIGINT: /ready turns 503, new sessions are refused, calls in flight get up to
server.drain_timeout_ms to finish, then the stores close and the process exits 0; a second
signal exits at once. SIGHUP reloads the settings.`;
