#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node --max-semi-space-size=8
// CommonJS on purpose (bin/package.json): Node loads an ES module entry through its thread
// pool, which fixes the pool's size before the first line runs; a CommonJS entry is read
// synchronously, so the size useThreadPool sets still applies. Every alias starts through here.
// The #! line's option is the daemons' (src/process/detach.ts, DAEMON_NODE_ARGS; the daemon
// aliases carry it too); the other commands of `ganeti` run with it as well, and gnt-* without.
const fs = require('node:fs');
const Module = require('node:module');
const {dirname, join} = require('node:path');
const {pathToFileURL} = require('node:url');
const vm = require('node:vm');

/** gnt-<topic> loads a bundle with its topic's commands only; the rest load them all. */
const TOPIC_BUNDLES = new Set(['job', 'cluster', 'node', 'instance', 'debug']);

/**
 * Loads a CommonJS bundle of the CLI (scripts/bundle-cli.js) with a V8 code cache, so that what
 * a command ran last time is not parsed and compiled again (docs/cli-startup.md). Each command
 * has its own cache (`key`), made when the command first runs, and named after the bundle's size
 * and time so that a rebuilt bundle never meets an old cache (V8 checks only the length). A
 * cache V8 rejects (another Node version) is written anew; a read-only installation goes without.
 */
function loadBundle(file, key) {
  const stat = fs.statSync(file);
  const cacheFile = `${file}.${key}.${stat.size}-${Math.trunc(stat.mtimeMs)}.cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), {filename: file, cachedData});
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(dirname(file));
  Module._cache[file] = mod;
  // The bundle's import() calls come here (scripts/bundle-cli.js): relative to the bundle.
  // Another bundle (the monitor's) loads like this one.
  mod.importEsm = (specifier) => {
    if (specifier.endsWith('.cjs')) return Promise.resolve().then(() => loadBundle(join(dirname(file), specifier), 'main'));
    return import(/^\.\.?\//.test(specifier) ? pathToFileURL(join(dirname(file), specifier)).href : specifier);
  };
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, dirname(file));
  mod.loaded = true;
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(tmp, script.createCachedData());
        fs.renameSync(tmp, cacheFile);
      } catch {
        fs.rmSync(tmp, {force: true});
      }
    });
  }
  return mod.exports;
}

/** The command a cache is kept for: `list` of gnt-job, `job-list` of ganeti, `list-help`, `help`. */
function commandKey(topic) {
  const args = process.argv.slice(2);
  const words = [];
  for (const a of args.slice(0, topic === undefined ? 2 : 1)) {
    if (!/^[a-z][a-z-]{0,30}$/.test(a)) break;
    words.push(a);
  }
  // A command's help runs other code than the command (`gnt-job --help` is the command list).
  if (words.length === 0 || args.some((a) => a === '--help' || a === '-h')) words.push('help');
  return words.join('-');
}

/**
 * The daemons fsync job files in parallel and would be serialised by libuv's default of 4 I/O
 * threads, so they get 32. Only they do: libuv starts every thread of its pool at the first
 * asynchronous file call, and a client command has no use for 32 (docs/cli-startup.md). Called
 * before anything uses the pool; the detached daemon inherits the variable.
 */
const DAEMONS = new Set(['masterd', 'noded']);
function useThreadPool(topic) {
  if (DAEMONS.has(topic ?? process.argv[2])) process.env.UV_THREADPOOL_SIZE ??= '32';
}

/** Runs the CLI; a topic makes this `gnt-<topic>` (see src/cli/main.ts). */
exports.start = async (topic) => {
  useThreadPool(topic);
  const name = TOPIC_BUNDLES.has(topic) ? `gnt-${topic}` : 'ganeti';
  const target = `./dist/bundle/${name}.cjs`;
  let cli;
  try {
    cli = loadBundle(join(__dirname, '..', target), commandKey(topic));
  } catch (err) {
    if (err.code !== 'ENOENT' || err.path !== join(__dirname, '..', target)) throw err;
    process.stderr.write(`ganeti-ts is not built (${target} is missing): run npm run build\n`);
    process.exit(1);
  }
  return cli.main(pathToFileURL(join(__dirname, '..', 'package.json')).href, topic, target);
};

if (require.main === module) exports.start();
