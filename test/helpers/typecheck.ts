import { join } from 'node:path';
import ts from 'typescript';
import { ROOT } from './runbook.js';

export interface Literal {
  /** The TypeScript type the value must satisfy, imported by `imports`. */
  type: string;
  value: unknown;
}

/**
 * TypeScript diagnostics for `const vN: <type> = <value as an object literal>;` in one in-memory
 * file: excess-property checks catch unknown or misspelt fields that JSON schemas allowing
 * additional properties let through. `imports` are import lines for the types.
 */
export function typeCheckLiterals(imports: string[], literals: Literal[]): string[] {
  const file = join(ROOT, 'test/__literals__.ts');
  const source = [
    ...imports,
    // JSON holds enum members as their string values: compare against those, keep the rest strict
    // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source, not a JS template
    'type Json<T> = T extends string ? `${T}` : T extends (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;',
    ...literals.map((l, i) => `const v${i}: Json<${l.type}> = ${JSON.stringify(l.value)};\nvoid v${i};`),
  ].join('\n');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (f, v, ...rest) =>
    f === file ? ts.createSourceFile(f, source, v) : getSourceFile.call(host, f, v, ...rest);
  host.fileExists = (f) => f === file || fileExists.call(host, f);
  host.readFile = (f) => (f === file ? source : readFile.call(host, f));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file?.fileName === file ? 'literal' : d.file?.fileName;
    return `${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
}
