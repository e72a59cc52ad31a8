import { describe, expect, it } from 'vitest';
import { escapeControls, human } from './render.js';

describe('escapeControls', () => {
  it('shows escape sequences, carriage returns and bidi overrides instead of obeying them; keeps newlines and tabs', () => {
    const out = escapeControls('ok\x1b]0;pwned\x07\x1b[2Jline\rover\tx\ny\u202egnp.exe\x9b');
    expect(out).toBe('ok\\x1b]0;pwned\\x07\\x1b[2Jline\\x0dover\tx\ny\\u202egnp.exe\\x9b');
    const controls = [...out].filter((c) => {
      const n = c.charCodeAt(0);
      return (n < 0x20 && c !== '\n' && c !== '\t') || (n >= 0x7f && n <= 0x9f);
    });
    expect(controls).toEqual([]);
  });

  it('leaves ordinary text, tables and non-Latin letters alone', () => {
    const text = human({ steps: [{ name: 'ä', output: 'größe 12K /var' }] });
    expect(escapeControls(text)).toBe(text);
  });
});
