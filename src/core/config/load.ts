import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { AppError } from '../errors.js';
import { type Config, ConfigSchema } from './schema.js';
import { type ExposedSettings, readSettingsFile, secretKeysIn } from './settings-file.js';
import { describeIssues } from './zod-issues.js';

/**
 * The only module that reads process.env. Settings come from settings/mahavishnu.yaml, then
 * settings/local.yaml, then MAHAVISHNU_<GROUP>__<FIELD> variables, each overriding the last.
 */
export interface LoadOptions {
  /** Folder holding mahavishnu.yaml and local.yaml. */
  dir?: string;
  /** A single file instead of the folder's two files (config validate --file). */
  file?: string;
  env?: NodeJS.ProcessEnv;
}

export interface Loaded {
  config: Config;
  /** Files actually read, in order. */
  sources: string[];
  dir: string;
  /** Files that hold secrets and are readable by group or others (a warning at start, a validate-production failure). */
  exposed?: ExposedSettings[];
}

type Tree = Record<string, unknown>;

const isTree = (v: unknown): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge(base: Tree, over: Tree): Tree {
  const out: Tree = { ...base };
  for (const [k, v] of Object.entries(over))
    out[k] = isTree(v) && isTree(out[k]) ? merge(out[k] as Tree, v) : v;
  return out;
}

function readYaml(path: string, problems: string[], exposed: ExposedSettings[]): Tree {
  const read = readSettingsFile(path);
  if ('problem' in read) {
    problems.push(read.problem);
    return {};
  }
  try {
    const doc = parseYaml(read.text) ?? {};
    if (!isTree(doc)) {
      problems.push(`${path}: the top level must be a mapping of groups (server:, database:, …)`);
      return {};
    }
    const keys = secretKeysIn(doc);
    if (keys.length > 0 && (read.mode & 0o077) !== 0)
      exposed.push({ file: path, mode: read.mode.toString(8), keys });
    return doc;
  } catch (e) {
    problems.push(`${path}: ${(e as Error).message.split('\n')[0]}`);
    return {};
  }
}

/** Settings from the environment: MAHAVISHNU_DATABASE__URL → database.url (values parsed as YAML scalars). */
function fromEnv(env: NodeJS.ProcessEnv): Tree {
  const out: Tree = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('MAHAVISHNU_') || !name.includes('__') || raw === undefined) continue;
    const path = name.slice('MAHAVISHNU_'.length).toLowerCase().split('__');
    let value: unknown = raw;
    try {
      value = raw === '' ? '' : parseYaml(raw);
    } catch {
      value = raw;
    }
    let node = out;
    for (const seg of path.slice(0, -1)) {
      if (!isTree(node[seg])) node[seg] = {};
      node = node[seg] as Tree;
    }
    node[path.at(-1)!] = value;
  }
  return out;
}

/** Where settings live when neither --config-dir nor MAHAVISHNU_CONFIG_DIR says, and ./settings is absent. */
export const SYSTEM_CONFIG_DIR = '/etc/mahavishnu';

/**
 * --config-dir, else MAHAVISHNU_CONFIG_DIR, else ./settings, else /etc/mahavishnu: a cron job runs
 * from the home folder, so an absolute default lets `mahavishnu backup create` find the settings.
 */
export function configDir(opts: LoadOptions = {}): string {
  const env = opts.env ?? process.env;
  const given = opts.dir ?? env.MAHAVISHNU_CONFIG_DIR;
  if (given) return resolve(given);
  const local = resolve('settings');
  return existsSync(local) || !existsSync(SYSTEM_CONFIG_DIR) ? local : SYSTEM_CONFIG_DIR;
}

/** Parse and validate the whole layered config; every problem is reported with its key path. */
export function tryLoadConfig(opts: LoadOptions = {}): { loaded?: Loaded; problems: string[] } {
  const env = opts.env ?? process.env;
  const dir = configDir(opts);
  const problems: string[] = [];
  const sources: string[] = [];
  const exposed: ExposedSettings[] = [];
  let tree: Tree = {};
  const files = opts.file
    ? [resolve(opts.file)]
    : [resolve(dir, 'mahavishnu.yaml'), resolve(dir, 'local.yaml')];
  for (const f of files) {
    if (!existsSync(f)) {
      if (opts.file) problems.push(`${f}: file not found`);
      continue;
    }
    sources.push(f);
    tree = merge(tree, readYaml(f, problems, exposed));
  }
  tree = merge(tree, fromEnv(env));
  // parsed once per start (and per reload): zod's compiled fast path would cost more to build
  // (about 19 ms for this schema at a cold start) than it saves
  const parsed = ConfigSchema.safeParse(tree, { jitless: true });
  if (!parsed.success) problems.push(...describeIssues(ConfigSchema, parsed.error));
  if (problems.length > 0 || !parsed.success) return { problems };
  return { loaded: { config: parsed.data, sources, dir, exposed }, problems };
}

export function loadConfig(opts: LoadOptions = {}): Loaded {
  const { loaded, problems } = tryLoadConfig(opts);
  if (!loaded) {
    throw new AppError('invalid_input', `invalid settings:\n  ${problems.join('\n  ')}`, { problems });
  }
  return loaded;
}

/** Process-level values that are not settings: the CLI's bearer token. */
export function readToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.MAHAVISHNU_TOKEN || undefined;
}

/** The named variables of this process's environment (a workflow step's env allowlist). */
export function envSubset(
  names: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = env[n];
    if (v !== undefined) out[n] = v;
  }
  return out;
}
