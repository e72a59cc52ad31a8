import type { z } from 'zod';

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

type Def = { type: string; innerType?: unknown; defaultValue?: unknown; element?: unknown; entries?: object };
const defOf = (s: unknown) => (s as { _zod: { def: Def } })._zod.def;

function kindOf(schema: unknown): { kind: FlagKind; element?: FlagKind; choices?: string[] } {
  const def = defOf(schema);
  switch (def.type) {
    case 'string':
      return { kind: 'string' };
    case 'number':
    case 'int':
      return { kind: 'number' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'enum':
      return { kind: 'string', choices: Object.values(def.entries ?? {}).map(String) };
    case 'literal':
      return { kind: 'string' };
    case 'array':
      return { kind: 'array', element: kindOf(def.element).kind };
    case 'record':
      return { kind: 'record' };
    case 'union':
      return { kind: 'union' };
    default:
      return { kind: 'json' };
  }
}

/** Describe each input field as a CLI flag: --kebab-case name, kind, default, description. */
export function flagsOf(input: z.ZodObject): FlagInfo[] {
  return Object.entries(input.shape).map(([key, field]) => {
    let s: unknown = field;
    let required = true;
    let defaultValue: unknown;
    for (let i = 0; i < 8; i++) {
      const def = defOf(s);
      if (def.type === 'optional' || def.type === 'nullable') required = false;
      else if (def.type === 'default' || def.type === 'prefault') {
        required = false;
        defaultValue = def.defaultValue;
      } else break;
      s = def.innerType;
    }
    const description = (field as z.ZodType).description ?? (s as z.ZodType).description ?? '';
    return {
      key,
      flag: key.replace(/_/g, '-'),
      ...kindOf(s),
      required,
      description,
      ...(defaultValue !== undefined ? { defaultValue } : {}),
    };
  });
}
