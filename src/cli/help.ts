import { flagsOf } from './flags.js';
import type { CommandInfo } from './manifest.js';

const GLOBAL = `Global options:
  --json               print machine-readable JSON
  --server URL         send the command to a running server (default for live commands: server.url or
                       http://127.0.0.1:<server.port>); the token comes from MAHAVISHNU_TOKEN
  --config-dir DIR     settings folder (default ./settings or MAHAVISHNU_CONFIG_DIR)
  -h, --help           show help
  --version            print the version`;

const pad = (s: string, n: number) => (s.length >= n ? `${s}  ` : s.padEnd(n));

// Help reads CommandInfo (src/cli/manifest.ts), never a tool: --help loads no schema.

export function rootHelp(commands: readonly CommandInfo[], version: string): string {
  const rows = commands
    .map((c) => [c.path.join(' '), c.summary] as const)
    .sort((a, b) => a[0].localeCompare(b[0]));
  return [
    `mahavishnu ${version}: production runbooks as MCP tools and CLI commands`,
    '',
    'Usage: mahavishnu <command> [arguments] [--flags]',
    '',
    'Commands:',
    ...rows.map(([p, s]) => `  ${pad(p, 30)}${s}`),
    '',
    GLOBAL,
    '',
    "Run `mahavishnu <command> --help` for a command's flags.",
  ].join('\n');
}

export function groupHelp(group: string, commands: readonly CommandInfo[]): string {
  const rows = commands.filter((c) => c.path[0] === group).map((c) => [c.path.join(' '), c.summary] as const);
  return [
    `Usage: mahavishnu ${group} <command>`,
    '',
    'Commands:',
    ...rows.map(([p, s]) => `  ${pad(p, 30)}${s}`),
  ].join('\n');
}

/** Help of one command, tool or builtin: usage line, description, then every flag from its JSON Schema. */
export function commandHelp(cmd: CommandInfo): string {
  const { description, facts } = cmd;
  const flags = flagsOf(cmd.schema);
  const pos = cmd.positional.map((p) => `<${p}>`).join(' ');
  const lines = [
    `Usage: mahavishnu ${cmd.path.join(' ')}${pos ? ` ${pos}` : ''}${flags.length ? ' [--flags]' : ''}`,
    '',
    description,
    '',
    ...(facts ? [facts, ''] : []),
    flags.length ? 'Flags:' : 'Flags: none (the global options below apply)',
  ];
  for (const f of flags) {
    const value =
      f.kind === 'boolean'
        ? ''
        : f.kind === 'record'
          ? ' KEY=VALUE'
          : f.kind === 'array'
            ? ' V[,V…]'
            : ' VALUE';
    const name = cmd.positional.includes(f.key) ? `<${f.key}> | --${f.flag}${value}` : `--${f.flag}${value}`;
    const extra = [
      f.required ? 'required' : '',
      f.choices ? `one of: ${f.choices.join(', ')}` : '',
      f.defaultValue !== undefined ? `default: ${JSON.stringify(f.defaultValue)}` : '',
      f.kind === 'record' || f.kind === 'array' ? 'repeatable' : '',
    ]
      .filter(Boolean)
      .join('; ');
    lines.push(`  ${pad(name, 30)}${f.description}${extra ? ` (${extra})` : ''}`);
  }
  lines.push('', GLOBAL);
  return lines.join('\n');
}
