import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { type ContentBlock, defineTool, type ToolContext } from '../define.js';

/**
 * Fixture tools the MCP conformance suite (`@modelcontextprotocol/conformance`) calls by name.
 * Served only with `mcp.test_tools: true`; never part of TOOLS. They touch no state.
 */

const Content = z.strictObject({
  content: z.array(z.record(z.string(), z.unknown())).describe('MCP content blocks.'),
});
const HINTS = { readOnly: true, destructive: false, idempotent: true, openWorld: false };
// a 1×1 red PNG and a 1-sample silent WAV
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQIAAAAAAA==';

function fixture(
  name: string,
  description: string,
  run: (input: Record<string, unknown>, ctx: ToolContext) => Promise<ContentBlock[]> | ContentBlock[],
  input: z.ZodObject = z.strictObject({}),
) {
  return defineTool({
    name,
    title: `Conformance fixture ${name}`,
    description: `Test fixture for the MCP conformance suite: ${description}`,
    role: 'viewer',
    hints: HINTS,
    input,
    output: Content,
    run: async (i, ctx) => ({ content: await run(i as Record<string, unknown>, ctx) }),
    content: (o) => o.content as ContentBlock[],
  });
}

const text = (t: string): ContentBlock => ({ type: 'text', text: t });

const need = (ctx: ToolContext) => {
  if (!ctx.client) throw new AppError('invalid_input', 'this fixture needs an MCP client');
  return ctx.client;
};

export const CONFORMANCE_TOOLS = [
  fixture('test_simple_text', 'returns one text block.', () => [
    text('This is a simple text response for testing.'),
  ]),
  fixture('test_image_content', 'returns a PNG image block.', () => [
    { type: 'image', data: PNG, mimeType: 'image/png' },
  ]),
  fixture('test_audio_content', 'returns a WAV audio block.', () => [
    { type: 'audio', data: WAV, mimeType: 'audio/wav' },
  ]),
  fixture('test_embedded_resource', 'returns an embedded text resource.', () => [
    {
      type: 'resource',
      resource: {
        uri: 'test://embedded-resource',
        mimeType: 'text/plain',
        text: 'This is an embedded resource content.',
      },
    },
  ]),
  fixture('test_multiple_content_types', 'returns text, image and resource blocks.', () => [
    text('Multiple content types test:'),
    { type: 'image', data: PNG, mimeType: 'image/png' },
    {
      type: 'resource',
      resource: {
        uri: 'test://mixed-content-resource',
        mimeType: 'application/json',
        text: '{"test":"data","value":123}',
      },
    },
  ]),
  fixture('test_tool_with_logging', 'sends three log messages while it runs.', async (_i, ctx) => {
    const client = need(ctx);
    await client.log('info', 'Tool execution started');
    await sleep(50);
    await client.log('info', 'Tool processing data');
    await sleep(50);
    await client.log('info', 'Tool execution completed');
    return [text('Tool with logging executed successfully')];
  }),
  fixture('test_error_handling', 'always fails.', () => {
    throw new AppError('conflict', 'This tool intentionally returns an error for testing');
  }),
  fixture('test_tool_with_progress', 'reports progress 0, 50, 100 of 100.', async (_i, ctx) => {
    for (const p of [0, 50, 100]) {
      ctx.progress({ progress: p, total: 100 });
      if (p < 100) await sleep(50, undefined, { signal: ctx.signal });
    }
    return [text('Tool with progress executed successfully')];
  }),
  fixture(
    'test_sampling',
    'asks the client for an LLM completion.',
    async (i, ctx) => {
      const r = await need(ctx).request('sampling/createMessage', {
        messages: [{ role: 'user', content: { type: 'text', text: i.prompt } }],
        maxTokens: 100,
      });
      const c = r.content as { text?: string } | undefined;
      return [text(`LLM response: ${c?.text ?? JSON.stringify(r.content)}`)];
    },
    z.strictObject({ prompt: z.string().describe('The prompt to send to the LLM.') }),
  ),
  fixture(
    'test_elicitation',
    'asks the user for input through the client.',
    async (i, ctx) => {
      const r = await need(ctx).request('elicitation/create', {
        message: i.message,
        requestedSchema: {
          type: 'object',
          properties: {
            username: { type: 'string', description: "User's response" },
            email: { type: 'string', description: "User's email address" },
          },
          required: ['username', 'email'],
        },
      });
      return [text(`User response: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`)];
    },
    z.strictObject({ message: z.string().describe('The message to show the user.') }),
  ),
  fixture('test_elicitation_sep1034_defaults', 'elicits with defaults for every type.', async (_i, ctx) => {
    const r = await need(ctx).request('elicitation/create', {
      message: 'Please review and update the form fields with defaults',
      requestedSchema: {
        type: 'object',
        properties: {
          name: { type: 'string', description: 'User name', default: 'John Doe' },
          age: { type: 'integer', description: 'User age', default: 30 },
          score: { type: 'number', description: 'User score', default: 95.5 },
          status: {
            type: 'string',
            description: 'User status',
            enum: ['active', 'inactive', 'pending'],
            default: 'active',
          },
          verified: { type: 'boolean', description: 'Verification status', default: true },
        },
        required: [],
      },
    });
    return [text(`Elicitation completed: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`)];
  }),
];
