import type { Progress } from '../tools/define.js';

const scalar = (v: unknown) => v === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof v);
const show = (v: unknown): string =>
  v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v);

export function table(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(none)';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r).filter((k) => scalar(r[k]))))];
  const cells = rows.map((r) => cols.map((c) => show(r[c])));
  const width = cols.map((c, i) => Math.min(60, Math.max(c.length, ...cells.map((row) => row[i]!.length))));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (v.length > width[i]! ? `${v.slice(0, width[i]! - 1)}…` : v.padEnd(width[i]!)))
      .join('  ')
      .trimEnd();
  return [line(cols.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

/** A readable rendering of any tool result: lists of records as tables, the rest as "key: value". */
export function human(result: unknown): string {
  if (!result || typeof result !== 'object') return show(result);
  const obj = result as Record<string, unknown>;
  if (obj.dry_run === true && Array.isArray(obj.plan)) {
    return [
      'Dry run: nothing was changed. The call would:',
      ...obj.plan.map((s, i) => `  ${i + 1}. ${s}`),
    ].join('\n');
  }
  const parts: string[] = [];
  const lines: string[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (Array.isArray(v) && v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
      parts.push(`${k}:`, table(v as Record<string, unknown>[]));
    } else if (v && typeof v === 'object' && !Array.isArray(v)) {
      lines.push(`${k}:`);
      for (const [k2, v2] of Object.entries(v)) lines.push(`  ${k2}: ${show(v2)}`);
    } else {
      lines.push(`${k}: ${show(v)}`);
    }
  }
  // a single list needs no heading
  if (lines.length === 0 && parts.length === 2) return parts[1]!;
  return [...lines, ...parts].join('\n');
}

/** A progress line on a terminal's stderr; nothing when stderr is not a terminal. */
export function progressPrinter(enabled: boolean): ((p: Progress) => void) & { done: () => void } {
  let shown = false;
  const fn = (p: Progress) => {
    if (!enabled) return;
    const pct = p.total ? Math.min(100, Math.round((p.progress / p.total) * 100)) : undefined;
    const bar = pct === undefined ? '' : `[${'#'.repeat(pct / 5).padEnd(20)}] ${String(pct).padStart(3)}% `;
    process.stderr.write(`\r\x1b[2K${bar}${p.message ?? ''}`);
    shown = true;
  };
  fn.done = () => {
    if (shown) process.stderr.write('\r\x1b[2K');
  };
  return fn;
}

// C0 controls but newline and tab, DEL, C1 controls, and the bidirectional overrides and isolates
// that reorder what a terminal shows ("Trojan Source")
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text for a terminal with control characters shown, not obeyed: step output (workflow logs,
 * workflow status) is whatever a command printed, and an escape sequence in it must not move the
 * cursor, retitle the window or hide lines. ESC becomes `\x1b`, and so on.
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROLS, (c) => {
    const n = c.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });
}
