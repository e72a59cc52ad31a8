import type { JsonObjectSchema, JsonSchema } from '../tools/json-schema.js';

export type FlagKind = 'string' | 'number' | 'boolean' | 'array' | 'record' | 'union' | 'json';

export interface FlagInfo {
  key: string;
  flag: string;
  kind: FlagKind;
  /** For arrays: the kind of each element. */
  element?: FlagKind;
  required: boolean;
  description: string;
  defaultValue?: unknown;
  choices?: string[];
}

/** The schema without its "or null" branch: a nullable flag takes the same values. */
function nonNull(s: JsonSchema): JsonSchema {
  const branches = s.anyOf ?? s.oneOf;
  const rest = branches?.filter((b) => b.type !== 'null');
  return rest?.length === 1 ? { ...s, ...rest[0], anyOf: undefined, oneOf: undefined } : s;
}

function kindOf(raw: JsonSchema): { kind: FlagKind; element?: FlagKind; choices?: string[] } {
  const s = nonNull(raw);
  if (s.enum) return { kind: 'string', choices: s.enum.map(String) };
  if (s.anyOf ?? s.oneOf) return { kind: 'union' };
  switch (s.type) {
    case 'string':
      return { kind: 'string' };
    case 'number':
    case 'integer':
      return { kind: 'number' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'array':
      return { kind: 'array', element: s.items ? kindOf(s.items).kind : 'string' };
    case 'object':
      return typeof s.additionalProperties === 'object' && !s.properties
        ? { kind: 'record' }
        : { kind: 'json' };
    default:
      return { kind: 'json' };
  }
}

/**
 * Each property of an input JSON Schema (the one MCP advertises) as a CLI flag: --kebab-case
 * name, kind, whether it is required, its default, choices and description.
 */
export function flagsOf(schema: JsonObjectSchema): FlagInfo[] {
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([key, prop]) => {
    const s = nonNull(prop);
    return {
      key,
      flag: key.replace(/_/g, '-'),
      ...kindOf(s),
      required: required.has(key),
      description: prop.description ?? s.description ?? '',
      ...(prop.default !== undefined ? { defaultValue: prop.default } : {}),
    };
  });
}
