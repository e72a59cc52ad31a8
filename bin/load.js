// Loads the bundle of dist/cli/main.js (scripts/bundle.mjs, run by `npm run build`): chunks written
// as CommonJS function bodies, each compiled with vm.Script and the V8 code cache the build
// recorded beside it (<chunk>.js.cache): Node 20 has no code cache for ES modules or for files its
// own loader compiles. A cache V8 finds stale (another Node or V8 version, other V8 flags, a chunk
// of another length) is refused by V8 and the chunk compiles from source; nothing else changes.
import { closeSync, fstatSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

const DIR = join(import.meta.dirname, '../dist/bundle');
const nodeRequire = createRequire(join(DIR, 'main.js'));
const loaded = new Map();

// V8 reads a code cache only while it compiles, so every cache is read into this one buffer: a
// buffer per chunk would stay allocated (about 1 MB) until a garbage collection finds it.
let scratch = Buffer.alloc(0);

/** The cache file's bytes (a view of `scratch`, valid until the next call), or undefined. */
function readCache(path) {
  let fd;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const { size } = fstatSync(fd);
    if (scratch.length < size) scratch = Buffer.allocUnsafeSlow(size);
    return scratch.subarray(0, readSync(fd, scratch, 0, size, 0));
  } finally {
    closeSync(fd);
  }
}

/** A chunk's exports (`./name.js`, as the chunks require each other), run once. */
export function load(name) {
  const file = join(DIR, name);
  const known = loaded.get(file);
  if (known) return known.module.exports;
  const source = readFileSync(file, 'utf8');
  const module = { exports: {} };
  let body;
  if (process.sourceMapsEnabled) {
    // node --enable-source-maps: Node's own compiler, which reads the chunk's source map (a
    // vm.Script's is not read) and takes no code cache
    const wrapper = new Module(file);
    wrapper._compile(`module.exports = ${source}`, file);
    body = wrapper.exports;
    loaded.set(file, { module });
  } else {
    const script = new Script(source, { filename: file, cachedData: readCache(`${file}.cache`) });
    body = script.runInThisContext();
    loaded.set(file, { module, script });
  }
  // import.meta.url, made only if the chunk reads it (pathToFileURL is not free: ~3 ms for 40 chunks)
  const meta = {
    get url() {
      return pathToFileURL(file).href;
    },
  };
  try {
    body(module.exports, require, module, file, DIR, meta);
  } catch (e) {
    loaded.delete(file); // as Node's loader does: the next require runs it again and throws again
    throw e;
  }
  return module.exports;
}

function require(id) {
  return id.startsWith('./') ? load(id) : nodeRequire(id);
}
require.resolve = nodeRequire.resolve;

/** Each loaded chunk's code cache (what V8 has compiled of it so far), written beside it. */
export function writeCodeCaches() {
  for (const [file, { script }] of loaded)
    if (script) writeFileSync(`${file}.cache`, script.createCachedData());
}
