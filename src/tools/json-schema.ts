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

/** The dialect zod writes; MCP (2025-11-25 and later) assumes it, and it is stated in each schema. */
const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

const SAFE = Number.MAX_SAFE_INTEGER;
const isEmpty = (v: unknown) => typeof v === 'object' && v !== null && Object.keys(v).length === 0;

/**
 * What a model reads without learning anything, dropped: zod's ±2^53 bounds on every integer
 * (`z.int()` is a safe integer anyway) and `propertyNames: {type: string}` (every JSON key is
 * one). In output schemas, also the descriptions below the root, `required` and
 * `additionalProperties` (false, or {}: any value): a result is read, not written (the server
 * checks it against the full schema before it leaves), and its field names carry it. Input
 * schemas keep the rest: the CLI builds its flags from them, and callers are held to them.
 */
function compact(node: unknown, io: 'input' | 'output', depth: number): unknown {
  if (Array.isArray(node)) return node.map((n) => compact(n, io, depth));
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if ((k === 'minimum' && v === -SAFE) || (k === 'maximum' && v === SAFE)) continue;
    if (k === 'propertyNames' && JSON.stringify(v) === '{"type":"string"}') continue;
    if (
      io === 'output' &&
      (k === 'required' || (k === 'additionalProperties' && (v === false || isEmpty(v))))
    )
      continue;
    if (io === 'output' && k === 'description' && depth > 0) continue;
    // property names are keys, not schemas: keep their names, descend into their values
    out[k] =
      k === 'properties'
        ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, compact(s, io, depth + 1)]))
        : compact(v, io, k === 'anyOf' || k === 'oneOf' ? depth : depth + 1);
  }
  return out;
}

/** The JSON Schema of a zod schema, as the caller sends it (input) or receives it (output). */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonObjectSchema {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  const lean = compact(json, io, 0) as JsonSchema;
  // MCP wants an object at the root; a destructive tool's output is "result or dry-run plan".
  return { $schema: DIALECT, ...lean, type: 'object' } as JsonObjectSchema;
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
