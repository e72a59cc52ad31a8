import { stringify } from 'yaml';
import type { z } from 'zod';
import { ConfigSchema } from './schema.js';

type Def = { type: string; innerType?: unknown; defaultValue?: unknown; shape?: Record<string, unknown> };
const defOf = (s: unknown) => (s as { _zod: { def: Def } })._zod.def;

function unwrap(s: unknown): { inner: unknown; def?: unknown } {
  let dflt: unknown;
  for (let i = 0; i < 8; i++) {
    const d = defOf(s);
    if (d.type === 'default' || d.type === 'prefault') dflt ??= d.defaultValue;
    if (!d.innerType) break;
    s = d.innerType;
  }
  return { inner: s, def: dflt };
}

const yamlValue = (v: unknown) => (v === undefined ? '' : ` ${JSON.stringify(v)}`);

function lines(shape: Record<string, unknown>, indent: string): string[] {
  const out: string[] = [];
  for (const [key, field] of Object.entries(shape)) {
    const { inner, def } = unwrap(field);
    const desc = (field as z.ZodType).description ?? (inner as z.ZodType).description;
    if (desc) out.push(`${indent}# ${desc}`);
    const d = defOf(inner);
    if (d.type === 'object' && d.shape) {
      out.push(`${indent}# ${key}:`, ...lines(d.shape, `${indent}  `));
    } else {
      out.push(`${indent}# ${key}:${yamlValue(def)}`);
    }
  }
  return out;
}

/** A settings file with every key commented out at its default, each with its description. */
export function exampleSettings(): string {
  const head = [
    '# mahavishnu settings. Every key is shown at its default, commented out; uncomment to change.',
    '# Precedence: this file < settings/local.yaml < MAHAVISHNU_<GROUP>__<FIELD> environment variables',
    '# (e.g. MAHAVISHNU_DATABASE__URL). Unknown keys are errors. Check with: mahavishnu config validate',
    '# Regenerate this file with: mahavishnu config example > settings/mahavishnu.yaml',
    '',
  ];
  const body: string[] = [];
  for (const [group, schema] of Object.entries(ConfigSchema.shape)) {
    const { inner } = unwrap(schema);
    const shape = defOf(inner).shape;
    if (shape) {
      body.push(`# ${group}:`, ...lines(shape, '  '), '');
      continue;
    }
    // a map by name (adapters): its description and its default, as YAML
    const desc = (schema as z.ZodType).description;
    const dflt = (schema as z.ZodType).safeParse(undefined).data;
    const yaml = stringify({ [group]: dflt })
      .trimEnd()
      .split('\n');
    body.push(...(desc ? [`# ${desc}`] : []), ...yaml.map((l) => `# ${l}`), '');
  }
  return [...head, ...body].join('\n');
}
