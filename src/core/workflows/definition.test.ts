import { describe, expect, it } from 'vitest';
import { parseWorkflow, planSteps } from './definition.js';

const wf = (steps: string, params = '') =>
  parseWorkflow(`name: t\ndescription: d\n${params}steps:\n${steps}`, 't.yaml');

describe('workflow files', () => {
  it('substitutes a param as one whole argument, never split or interpreted', () => {
    const w = wf('  - name: a\n    argv: [echo, "{{x}}"]\n', 'params:\n  x: { type: string }\n');
    expect(planSteps(w, { x: '; rm -rf / $(id)' }).steps[0]!.argv).toEqual(['echo', '; rm -rf / $(id)']);
  });

  it('refuses a param mixed into other text, and an undeclared param', () => {
    expect(() => wf('  - name: a\n    argv: [echo, "--x={{x}}"]\n', 'params:\n  x: {}\n')).toThrow(
      /whole argument/,
    );
    expect(() => wf('  - name: a\n    argv: [echo, "{{y}}"]\n')).toThrow(/undeclared param y/);
  });

  it('checks param types, choices and patterns', () => {
    const w = wf(
      '  - name: a\n    argv: [echo, "{{n}}", "{{e}}"]\n',
      'params:\n  n: { type: integer, default: 1 }\n  e: { enum: [a, b], default: a }\n',
    );
    expect(planSteps(w, { n: '12' }).params).toEqual({ n: '12', e: 'a' });
    expect(() => planSteps(w, { n: '1; id' })).toThrow(/must be an integer/);
    expect(() => planSteps(w, { e: 'c' })).toThrow(/one of a, b/);
  });

  it('refuses unknown keys in the file, naming them', () => {
    expect(() =>
      parseWorkflow('name: t\ndescription: d\nshell: true\nsteps: [{name: a, argv: [x]}]', 'f.yaml'),
    ).toThrow(/shell/);
  });
});
