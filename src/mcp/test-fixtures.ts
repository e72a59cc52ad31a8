import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  type PromptMessage,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

// a 1×1 red PNG
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

/**
 * The resources, prompts and completions the MCP conformance suite reads by name (test://…,
 * test_*_prompt). Registered only with `mcp.test_tools: true`; they touch no state.
 */
export function registerTestFixtures(server: McpServer): void {
  const text = (uri: string, mimeType: string, body: string) => ({
    contents: [{ uri, mimeType, text: body }],
  });
  server.registerResource(
    'static-text',
    'test://static-text',
    { description: 'Conformance fixture: a static text resource.', mimeType: 'text/plain' },
    (uri) => text(uri.href, 'text/plain', 'This is the content of the static text resource.'),
  );
  server.registerResource(
    'static-binary',
    'test://static-binary',
    { description: 'Conformance fixture: a static PNG resource.', mimeType: 'image/png' },
    (uri) => ({ contents: [{ uri: uri.href, mimeType: 'image/png', blob: PNG }] }),
  );
  server.registerResource(
    'watched-resource',
    'test://watched-resource',
    { description: 'Conformance fixture: a resource clients subscribe to.', mimeType: 'text/plain' },
    (uri) => text(uri.href, 'text/plain', 'Watched resource content.'),
  );
  server.registerResource(
    'template-data',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { description: 'Conformance fixture: a resource template.', mimeType: 'application/json' },
    (uri, { id }) =>
      text(
        uri.href,
        'application/json',
        JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
      ),
  );
  const subscribed = new Set<string>();
  server.server.registerCapabilities({ resources: { subscribe: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, (r) => {
    subscribed.add(r.params.uri);
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (r) => {
    subscribed.delete(r.params.uri);
    return {};
  });

  const user = (content: PromptMessage['content']): PromptMessage => ({ role: 'user', content });
  server.registerPrompt(
    'test_simple_prompt',
    { description: 'Conformance fixture: a simple prompt.' },
    () => ({
      messages: [user({ type: 'text', text: 'This is a simple prompt for testing.' })],
    }),
  );
  server.registerPrompt(
    'test_prompt_with_arguments',
    {
      description: 'Conformance fixture: a prompt with two arguments.',
      argsSchema: {
        arg1: completable(z.string().describe('First test argument'), (v) =>
          ['paris', 'park', 'party'].filter((x) => x.startsWith(v ?? '')),
        ),
        arg2: z.string().describe('Second test argument'),
      },
    },
    ({ arg1, arg2 }) => ({
      messages: [user({ type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` })],
    }),
  );
  server.registerPrompt(
    'test_prompt_with_embedded_resource',
    {
      description: 'Conformance fixture: a prompt embedding a resource.',
      argsSchema: { resourceUri: z.string().describe('URI of the resource to embed') },
    },
    ({ resourceUri }) => ({
      messages: [
        user({
          type: 'resource',
          resource: {
            uri: resourceUri,
            mimeType: 'text/plain',
            text: 'Embedded resource content for testing.',
          },
        }),
        user({ type: 'text', text: 'Please process the embedded resource above.' }),
      ],
    }),
  );
  server.registerPrompt(
    'test_prompt_with_image',
    { description: 'Conformance fixture: a prompt with an image.' },
    () => ({
      messages: [
        user({ type: 'image', data: PNG, mimeType: 'image/png' }),
        user({ type: 'text', text: 'Please analyze the image above.' }),
      ],
    }),
  );
}
