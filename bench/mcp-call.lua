-- wrk script for bench/http.js: POST one MCP tools/call per request on an open session, each with
-- its own JSON-RPC id (the transport routes each answer by id, so ids in flight must differ).
-- Read from the environment: MCP_SESSION (mcp-session-id; empty for a 2026-07-28 stateless request,
-- which carries its envelope in _meta and names itself in the Mcp-Method and Mcp-Name headers),
-- MCP_PROTOCOL, MCP_TOKEN (may be empty), MCP_TOOL, MCP_ARGS (JSON). An answer that is not a successful tool result counts as bad; done()
-- prints "BAD n" so that bench/lib.js refuses the run.
wrk.method = "POST"
wrk.headers["content-type"] = "application/json"
wrk.headers["accept"] = "application/json, text/event-stream"
local session = os.getenv("MCP_SESSION")
local protocol = os.getenv("MCP_PROTOCOL")
wrk.headers["mcp-protocol-version"] = protocol
local token = os.getenv("MCP_TOKEN")
if token and token ~= "" then wrk.headers["authorization"] = "Bearer " .. token end
local meta = ''
if session and session ~= "" then
  wrk.headers["mcp-session-id"] = session
else
  wrk.headers["mcp-method"] = "tools/call"
  wrk.headers["mcp-name"] = os.getenv("MCP_TOOL")
  meta = ',"_meta":{"io.modelcontextprotocol/protocolVersion":"' .. protocol ..
    '","io.modelcontextprotocol/clientCapabilities":{}}'
end
local head = '{"jsonrpc":"2.0","method":"tools/call","params":{"name":"' .. os.getenv("MCP_TOOL") ..
  '","arguments":' .. os.getenv("MCP_ARGS") .. meta .. '},"id":'
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, head .. n .. '}')
end

bad = 0
response = function(status, headers, body)
  if status ~= 200 or not string.find(body, '"result"', 1, true) or string.find(body, '"isError":true', 1, true) then
    if bad == 0 then io.stderr:write("first bad answer: " .. status .. " " .. body .. "\n") end
    bad = bad + 1
  end
end

local threads = {}
setup = function(thread) table.insert(threads, thread) end
done = function(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("bad") end
  if total > 0 then io.write("BAD " .. total .. "\n") end
end
