import { describe, expect, it } from 'vitest';
import { cliErrorText, cliTexts } from './error-text.js';

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
  it('renders the calls the core error texts name (placeholders and numbers too)', () => {
    const cases: [string, string][] = [
      ['`auth_list_users`', '`mahavishnu auth list-users`'],
      ['`auth_enable_user {"username":"ops"}`', '`mahavishnu auth enable-user ops`'],
      ['`auth_create_token {"username":"NAME"}`', '`mahavishnu auth create-token --username NAME`'],
      ['`backup_create {"type":"full"}`', '`mahavishnu backup create --type full`'],
      ['`backup_verify {"backup_id":"<backup_id>"}`', '`mahavishnu backup verify <backup_id>`'],
      ['`adapter_restart {"name":"llamaindex"}`', '`mahavishnu adapter restart llamaindex`'],
      ['`pool_scale {"pool":"pool-1","target":"N"}`', '`mahavishnu pool scale pool-1 --target N`'],
      [
        '`pool_spawn {"name":"prod","type":"mahavishnu","min":1,"max":4}`',
        '`mahavishnu pool spawn --name prod --type mahavishnu --min 1 --max 4`',
      ],
      ['`workflow_status` without an id', '`mahavishnu workflow status` without an id'],
      ['(`config_validate` checks them)', '(`mahavishnu config validate` checks them)'],
    ];
    for (const [mcp, cli] of cases) expect(cliErrorText(mcp)).toBe(cli);
  });
  it('reads every text of a result the same way, for the human rendering', () => {
    expect(
      cliTexts({
        kid: 'k1',
        n: 2,
        secrets: [{ detail: 'mint new ones with `auth_create_token {"username":"NAME"}`' }],
      }),
    ).toEqual({
      kid: 'k1',
      n: 2,
      secrets: [{ detail: 'mint new ones with `mahavishnu auth create-token --username NAME`' }],
    });
  });
});
