// The second half of `npm run build` (after tsc has written dist/): bundle the CLI and everything
// it loads into dist/bundle/, which bin/mahavishnu.js runs. Loading ~500 ESM files (ours, zod,
// hono, the MCP SDK, …) one by one was most of a cold start; a bundle split at each dynamic
// import() loads the same code as a few files, each only when its command needs it
// (docs/performance.md). dist/bundle/ sits two levels below the package root like every tsc
// output file, so paths resolved from import.meta.url (runbooks/, package.json) still hold.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/cli/main.ts'],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  // no whitespace: a smaller source to parse and to keep in memory (about 3.5 MB less RSS for
  // serve); names are kept for stack traces, and the source map (not loaded unless node runs with
  // --enable-source-maps) maps a position back to src/
  minifyWhitespace: true,
  sourcemap: true,
  logLevel: 'warning',
  // native addons; pino (its transports load files by path in worker threads); prom-client (
  // src/core/prom.ts requires single files of it); the store and cloud drivers, loaded only when
  // configured and big: these stay ordinary node_modules imports
  external: [
    'better-sqlite3',
    'argon2',
    'pino',
    'prom-client',
    'prom-client/*',
    'ioredis',
    'postgres',
    '@aws-sdk/*',
  ],
  // bundled CommonJS packages call require() for node builtins; ESM has no require of its own
  banner: {
    js: "import { createRequire as __mvCreateRequire } from 'node:module'; const require = __mvCreateRequire(import.meta.url);",
  },
});

// The command manifest that --help reads instead of loading every tool (src/cli/manifest.ts),
// generated from the definitions tsc has just compiled, so it cannot drift from them.
const { writeFileSync } = await import('node:fs');
const { buildManifest } = await import('../dist/cli/manifest-build.js');
writeFileSync(new URL('../dist/cli-manifest.json', import.meta.url), `${JSON.stringify(buildManifest())}\n`);
