import { describe, expect, it } from 'vitest';
import { cliErrorText } from './error-text.js';

describe('error texts on the command line', () => {
  it('names the command where the text names a tool call', () => {
    expect(cliErrorText('raise it with `pool_update {"pool":"prod","max":15}`, then scale')).toBe(
      'raise it with `mahavishnu pool update prod --max 15`, then scale',
    );
    expect(cliErrorText('see `pool_update` and `workflow_status {"limit":5}`')).toBe(
      'see `mahavishnu pool update` and `mahavishnu workflow status --limit 5`',
    );
    expect(cliErrorText('`pool_update {"pool":"p","autoscale":false}`')).toBe(
      '`mahavishnu pool update p --autoscale false`',
    );
  });
  it('leaves what is not a tool, or not a command line, as written', () => {
    const same = [
      'the column `pool_id` is missing',
      '`pool_update {"pool":{"nested":1}}`',
      '`pool_update {not json}`',
      'no backticks pool_update here',
    ];
    for (const s of same) expect(cliErrorText(s)).toBe(s);
  });
});
