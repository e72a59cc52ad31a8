import { z } from 'zod';
import type { Tool } from './define.js';

/** A JSON Schema node, as z.toJSONSchema writes it. */
export interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  [key: string]: unknown;
}

/** A schema with an object at its root, as MCP requires of a tool's input and output schemas. */
export type JsonObjectSchema = JsonSchema & { type: 'object' };

/** The JSON Schema of a zod schema, as the caller sends it (input) or receives it (output). */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObjectSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  // MCP wants an object at the root; a destructive tool's output is "result or dry-run plan".
  if (json.type !== 'object') json.type = 'object';
  return json as JsonObjectSchema;
}

const cache = new WeakMap<Tool, { input: JsonObjectSchema; output: JsonObjectSchema }>();

/**
 * The input and output JSON Schemas of a tool: what MCP advertises in tools/list and what the CLI
 * builds its flags and help from, so the two cannot disagree. Computed once per tool.
 */
export function toolJsonSchema(tool: Tool): { input: JsonObjectSchema; output: JsonObjectSchema } {
  let s = cache.get(tool);
  if (!s) {
    s = { input: toJsonSchema(tool.input, 'input'), output: toJsonSchema(tool.output, 'output') };
    cache.set(tool, s);
  }
  return s;
}
