/**
 * What a scripted incident agent reads from prompts and runbooks: the tool calls the steps name
 * (`# MCP: tool {json}`) and the branch of a runbook section it was pointed to.
 */

export interface ToolCall {
  name: string;
  input: Record<string, unknown>;
}

/** The tool calls a text's runbook steps name (`# MCP: tool {json}`), in order. */
export function toolCalls(text: string): ToolCall[] {
  return [...text.matchAll(/# MCP: ([a-z_]+) (\{.*?\})(?= — |$)/gm)].map((m) => ({
    name: m[1]!,
    input: JSON.parse(m[2]!) as Record<string, unknown>,
  }));
}

/**
 * The first call of that tool the text names (or the first whose input passes `which`), with its
 * placeholders (`<backup_id>`) and example names replaced by `fill`.
 */
export function named(
  text: string,
  tool: string,
  fill: Record<string, unknown>,
  which: (input: Record<string, unknown>) => boolean = () => true,
): Record<string, unknown> {
  const call = toolCalls(text).find((c) => c.name === tool && which(c.input));
  if (!call) throw new Error(`the text names no such ${tool} call:\n${text}`);
  return { ...call.input, ...fill };
}

/** The branch of a runbook that starts with the bold line `**<title>**`, up to the next branch or heading. */
export function branch(markdown: string, title: string): string {
  const start = markdown.indexOf(`**${title}**`);
  if (start < 0) throw new Error(`no branch "${title}" in the runbook`);
  const rest = markdown.slice(start + title.length + 4);
  const end = rest.search(/^(\*\*If |#{1,3} )/m);
  return `**${title}**${end < 0 ? rest : rest.slice(0, end)}`;
}

/** Shell steps of a text marked for a person on the host (`# host only`). */
export const hostSteps = (text: string): string[] =>
  text
    .split('\n')
    .filter((l) => /\s#\shost only/.test(l))
    .map((l) => l.replace(/\s+#\shost only.*$/, '').trim());
