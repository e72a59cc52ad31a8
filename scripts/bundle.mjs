// The second half of `npm run build` (after tsc has written dist/): bundle the CLI and everything
// it loads into dist/bundle/, which bin/mahavishnu.js runs (bin/load.js), then record V8's code
// cache of a cold `mcp start` beside it (docs/performance.md, "Cold start"). Loading ~500 ESM
// files one by one was most of a cold start; a bundle split at each dynamic import() loads the
// same code as a few files, each only when its command needs it. dist/bundle/ sits two levels below the package
// root like every tsc output file, so paths resolved from import.meta.url (runbooks/,
// package.json) still hold.
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const OUT = 'dist/bundle';
const ESM = 'dist/bundle-esm';
rmSync(OUT, { recursive: true, force: true });
rmSync(ESM, { recursive: true, force: true });

const common = {
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  // no whitespace: a smaller source to parse and to keep in memory (about 3.5 MB less RSS for
  // serve); names are kept for stack traces, and the source map (not loaded unless node runs with
  // --enable-source-maps) maps a position back to src/
  minifyWhitespace: true,
  sourcemap: true,
  logLevel: 'warning',
};

// 1. ESM, split into chunks at each dynamic import() (esbuild splits only ESM).
await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outdir: ESM,
  bundle: true,
  splitting: true,
  format: 'esm',
  // native addons; prom-client (src/core/prom.ts requires single files of it, which must be the
  // module instances its index hands src/http/metrics.ts); the store and cloud drivers, loaded
  // only when configured and big: these stay ordinary node_modules requires
  external: ['better-sqlite3', 'argon2', 'prom-client', 'prom-client/*', 'ioredis', 'postgres', '@aws-sdk/*'],
});

// 2. Each chunk as a CommonJS function body, which bin/load.js compiles with vm.Script and its
// code cache (Node 20 has no code cache for ES modules). import() becomes require() (the loader's:
// ./chunk files from this folder, anything else from node_modules), still run only when reached;
// import.meta.url and .dirname come from the loader. The source maps chain back to src/ through
// the chunks' own.
await build({
  ...common,
  entryPoints: readdirSync(ESM)
    .filter((f) => f.endsWith('.js'))
    .map((f) => join(ESM, f)),
  outdir: OUT,
  format: 'cjs',
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__meta.url', 'import.meta.dirname': '__dirname' },
  banner: { js: '(function (exports, require, module, __filename, __dirname, __meta) {' },
  footer: { js: '})' },
});
rmSync(ESM, { recursive: true, force: true });

// The command manifest that --help reads instead of loading every tool (src/cli/manifest.ts),
// generated from the definitions tsc has just compiled, so it cannot drift from them.
const { buildManifest } = await import('../dist/cli/manifest-build.js');
writeFileSync(new URL('../dist/cli-manifest.json', import.meta.url), `${JSON.stringify(buildManifest())}\n`);

// 3. The code cache (bin/code-cache.js). Without it (e.g. no native better-sqlite3 in this
// install: the Docker image records it in its runtime stage) the CLI works the same, compiling from
// source.
try {
  execFileSync(process.execPath, ['bin/code-cache.js'], { stdio: ['ignore', 'inherit', 'pipe'] });
} catch (e) {
  console.warn(`scripts/bundle.mjs: no code cache written (${String(e.stderr ?? e.message).trim()})`);
}
