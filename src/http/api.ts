import { Hono } from 'hono';
import type { Core } from '../core/core.js';
import { AppError } from '../core/errors.js';
import type { Tool } from '../tools/define.js';
import { findTool } from '../tools/find-tool.js';
import { invoke, toAppError } from '../tools/invoke.js';
import { type Env, errorResponse } from './auth.js';
import type { ServerState } from './state.js';

/**
 * The action API the CLI calls with --server: POST /api/v1/tools/<name> with the raw input as the
 * JSON body. Reply 200 {"ok":true,"result":…} or the error code's HTTP status with
 * {"ok":false,"error":{code,message,…}}. Everything goes through invoke, like MCP and the local CLI.
 */
export function actionApi(core: Core, tools: readonly Tool[], state: ServerState): Hono<Env> {
  const app = new Hono<Env>();
  app.post('/api/v1/tools/:name', async (c) => {
    let tool: Tool;
    try {
      tool = findTool(c.req.param('name'), tools);
    } catch (e) {
      return errorResponse(c, e as AppError);
    }
    if (state.draining) {
      return errorResponse(
        c,
        new AppError('unavailable', 'the server is shutting down; retry on another replica'),
      );
    }
    let input: unknown = {};
    const text = await c.req.text();
    if (text.trim() !== '') {
      try {
        input = JSON.parse(text);
      } catch {
        return errorResponse(c, new AppError('invalid_input', 'the request body is not valid JSON'));
      }
    }
    try {
      const result = await invoke(tool, input, {
        core,
        principal: c.get('principal'),
        signal: c.req.raw.signal,
      });
      return c.json({ ok: true, result });
    } catch (e) {
      return errorResponse(c, toAppError(e, 'api'));
    }
  });
  return app;
}
