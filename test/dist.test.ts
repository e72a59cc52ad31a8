import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildManifest } from '../src/cli/manifest-build.js';
import { ROOT } from './helpers/runbook.js';
import { tempDir } from './helpers/tmp.js';

/**
 * What ships (package.json "files": dist/) holds no test code: no tool fixture, no test folder,
 * nothing that imports vitest or a file under test/. `npm test` builds dist/ afresh before this
 * runs (the build empties it first, so a moved file cannot linger).
 */
describe('the built dist/', () => {
  const DIST = join(ROOT, 'dist');
  const files = existsSync(DIST) ? readdirSync(DIST, { recursive: true, encoding: 'utf8' }) : [];
  const js = files.filter((f) => f.endsWith('.js'));

  it('is built', () => {
    expect(js).toContain(join('cli', 'main.js'));
  });

  it('has no *.fixture.js, *.test.js and no test/ folder', () => {
    expect(files.filter((f) => /\.(fixture|test)\.js$/.test(f))).toEqual([]);
    expect(files.filter((f) => f.split(/[\\/]/).includes('test'))).toEqual([]);
  });

  it('has no file that imports vitest or anything under test/', () => {
    const testImport =
      /\bfrom\s*['"](vitest|[^'"]*\/test\/[^'"]*)['"]|import\(\s*['"](vitest|[^'"]*\/test\/)/;
    expect(js.filter((f) => testImport.test(readFileSync(join(DIST, f), 'utf8')))).toEqual([]);
  });

  it('holds the command manifest --help reads, equal to what the definitions give', () => {
    const shipped = JSON.parse(readFileSync(join(DIST, 'cli-manifest.json'), 'utf8'));
    expect(shipped).toEqual(JSON.parse(JSON.stringify(buildManifest())));
  });

  it('holds the V8 code cache of every chunk a cold `mcp start` loads, which this node accepts', () => {
    const caches = files.filter((f) => f.startsWith('bundle') && f.endsWith('.js.cache'));
    expect(caches).toContain(join('bundle', 'main.js.cache'));
    // in a child: V8 checks a cache against its own version and flags, not those of a test worker
    const check = `const { readFileSync } = require('node:fs'); const { Script } = require('node:vm');
      const refused = JSON.parse(process.argv[1]).filter((c) => new Script(readFileSync(c.slice(0, -6), 'utf8'),
        { filename: c.slice(0, -6), cachedData: readFileSync(c) }).cachedDataRejected);
      process.stdout.write(JSON.stringify(refused));`;
    const paths = JSON.stringify(caches.map((c) => join(DIST, c)));
    expect(JSON.parse(execFileSync(process.execPath, ['-e', check, paths], { encoding: 'utf8' }))).toEqual(
      [],
    );
  });

  it('runs the same when V8 refuses a chunk’s code cache (another node, a stale file)', () => {
    const tmp = tempDir();
    const copy = tmp.path;
    for (const f of ['bin', 'dist/bundle', 'dist/cli-manifest.json', 'package.json'])
      cpSync(join(ROOT, f), join(copy, f), { recursive: true });
    // another chunk's cache: V8 finds it does not match main.js and compiles from source
    const other = readdirSync(join(copy, 'dist/bundle')).find(
      (f) => f.startsWith('chunk-') && f.endsWith('.cache'),
    )!;
    writeFileSync(join(copy, 'dist/bundle/main.js.cache'), readFileSync(join(copy, 'dist/bundle', other)));
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    const out = execFileSync(process.execPath, [join(copy, 'bin/mahavishnu.js'), '--version'], {
      encoding: 'utf8',
    });
    tmp.remove();
    expect(out.trim()).toBe(version);
  });
});
