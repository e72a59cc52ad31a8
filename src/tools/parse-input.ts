import type { z } from 'zod';
import { describeIssues } from '../core/config/zod-issues.js';
import { AppError } from '../core/errors.js';

/**
 * Parse a caller's input against a strict schema, or fail with invalid_input listing every problem
 * with its key path. `what` names the call (a tool, a CLI command); `hint` says where to read the
 * accepted input. Tools (through invoke) and the CLI's builtin commands report the same way.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  what: string,
  hint: string,
): z.output<S> {
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const problems = describeIssues(schema, parsed.error);
  throw new AppError('invalid_input', `invalid input for ${what}: ${problems.join('; ')}. ${hint}.`, {
    problems,
  });
}
