#!/usr/bin/env node
// Bundles the compiled CLI (dist/) into one CommonJS file per binary, dist/bundle/<bin>.cjs, which
// bin/ganeti.js loads with a V8 code cache (docs/cli-startup.md explains the why and the figures).
// Each bundle holds @oclif/core, src/cli/main.ts and the commands of its binary, exported as
// COMMANDS for oclif's `explicit` command discovery. What a command imports lazily (the daemons,
// the ink monitor) stays an ES module in dist/ and is imported from there when it runs.
import {existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {readFile} from 'node:fs/promises';
import {dirname, join, relative, resolve, sep} from 'node:path';
import {fileURLToPath} from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const out = join(dist, 'bundle');

/**
 * Bundles are built in memory and put in place only when their text changed, each by a rename:
 * a test run or a CLI call that reads dist/bundle while another `npm run build` runs (two
 * `npm test` side by side) sees the old file or the new one, never none or half of one, and an
 * unchanged bundle keeps its time, so its code caches stay valid.
 */
const outputs = new Map();
function emit(result) {
  for (const f of result.outputFiles) outputs.set(f.path, f.text);
}
function writeIfChanged(file, text) {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** The binaries: `ganeti` has every command; a gnt-* alias only its topic's. */
const TOPICS = ['job', 'cluster', 'node', 'instance', 'debug'];
const BUNDLES = [{name: 'ganeti', topic: null}, ...TOPICS.map((topic) => ({name: `gnt-${topic}`, topic}))];

/**
 * Modules a command imports with `await import()` that stay outside the bundle: the daemons as
 * ES modules in dist/, the monitor as a bundle of its own (below).
 */
const LAZY = new Map(
  [
    ['daemon/masterd.js', '../daemon/masterd.js'],
    ['noded/noded.js', '../noded/noded.js'],
    ['ui/top.js', './top.cjs'],
  ].map(([from, to]) => [join(dist, from), to]),
);

/**
 * Packages @oclif/core requires at start but never uses with this CLI's configuration; each stub
 * says why. They are 40% of the bundle, and every byte of a bundle costs start-up time.
 */
const STUBS = {
  // Only the `pattern` command discovery globs for files; package.json selects `explicit`.
  tinyglobby: 'exports.glob = async () => { throw new Error("ganeti-ts bundles its commands (explicit discovery)"); };',
  // Only wildcards in oclif.plugins need it; this CLI has no plugins. Exact names still match.
  minimatch: 'exports.minimatch = (name, pattern) => name === pattern;',
  // @oclif/core's index checks the Node version against its own package.json's engines when it
  // loads, a warning only; in a bundle it cannot find that file and never warns, and semver's
  // 50 regular expressions cost 10 ms of every start. package.json's engines and engine-strict
  // check the Node version at install.
  semver: 'exports.satisfies = () => true;',
  // The spinner of ux.action, which no command uses; the two styles oclif picks by default.
  'cli-spinners':
    'module.exports = {dots2: {interval: 80, frames: ["⣾","⣽","⣻","⢿","⡿","⣟","⣯","⣷"]}, line: {interval: 130, frames: ["-","\\\\","|","/"]}};',
  // oclif's own debug log (DEBUG=oclif:*, DEBUG=*) uses the debug package, which at start loads
  // supports-color, tty and os and initialises the standard error stream for every logger it
  // makes: 10–15 ms of every start. The real package is in the bundle and used when DEBUG is set.
  debug: `if (process.env.DEBUG) module.exports = require("debug/src/index.js");
else {
  const make = (namespace) => Object.assign(() => {}, {namespace, enabled: false, log() {}, destroy: () => false, extend: (ns, d = ":") => make(namespace + d + ns)});
  module.exports = Object.assign(make, {default: make, enable() {}, disable: () => "", enabled: () => false, names: [], skips: []});
}`,
  // Config.load asks whether it runs under WSL (reading /proc/version, two access calls) only to
  // call its platform "wsl" instead of "linux", which no command of this CLI looks at.
  'wsl-utils': 'exports.isWsl = false; exports.powerShellPath = async () => "powershell.exe";',
};

/**
 * Edits of @oclif/core's code, each with its reason; the build fails when one no longer applies.
 * The first call of String#localeCompare loads ICU's collation data: 13–20 ms of every start,
 * to sort command ids that are lowercase ASCII, where code-unit order is the same order
 * (scripts/oclif-manifest.js checks it for every id).
 */
const PATCHES = [
  {
    file: '@oclif/core/lib/config/plugin.js',
    from: '.sort((a, b) => a.id.localeCompare(b.id))',
    to: '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))',
  },
  // The Node version check (see semver above) requires oclif's package.json, which in a bundle
  // Node looks for beside dist/ under four names, in vain, on every start.
  {file: '@oclif/core/lib/index.js', from: '\ncheckNodeVersion();\n', to: '\n'},
  // oclif reads package.json, oclif.manifest.json and the user's theme.json (usually missing)
  // with fs/promises: the first asynchronous file call starts libuv's threads, and fs/promises
  // loads readline and the stream utilities. Small local files read synchronously cost less.
  {
    file: '@oclif/core/lib/util/fs.js',
    from: "const contents = await (0, promises_1.readFile)(path, 'utf8');",
    to: "const contents = (0, node_fs_1.readFileSync)(path, 'utf8');",
  },
  // supports-color asks at load whether stdout and stderr are terminals (loading tty); oclif
  // needs the answer only to colour help and errors, so it is asked then.
  {
    file: '@oclif/core/lib/ux/supports-color.js',
    from: 'const supports_color_1 = require("supports-color");\nfunction supportsColor() {\n',
    to: 'function supportsColor() {\n    const supports_color_1 = require("supports-color");\n',
  },
  // lilconfig (oclif looks for a configuration file with it when package.json has none) takes
  // fs.promises.readFile at load, which loads fs/promises and readline.
  {
    file: 'lilconfig/src/index.js',
    from: 'const fsReadFileAsync = fs.promises.readFile;',
    to: 'const fsReadFileAsync = (...args) => fs.promises.readFile(...args);',
  },
];

/**
 * Built-in modules that a command may not need at all (--help needs no socket): the bundle gets
 * a stand-in that loads the real module on first use of one of its properties. Node compiles each
 * built-in module it loads; these cost 5–14 ms when loaded eagerly at start.
 */
const LAZY_BUILTINS = [
  'fs/promises',
  'net',
  'child_process',
  'readline',
  'perf_hooks',
  'worker_threads',
  'crypto',
  'tty',
  'os',
  'http',
  'https',
  'tls',
  'zlib',
];
const LAZY_BUILTIN_HELPER = `var __importEsm = (specifier) => (module.importEsm ?? ((s) => import(s)))(specifier);
var __lazyBuiltin = (id) => {
  let real;
  const load = () => (real ??= require(id));
  return new Proxy({}, {
    get: (_, key) => (key === '__esModule' ? undefined : load()[key]),
    has: (_, key) => key in load(),
    ownKeys: () => Reflect.ownKeys(load()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(load(), key);
      return d === undefined ? d : {...d, configurable: true};
    },
  });
};`;

/** The commands under dist/commands with their oclif ids (job/list.js is `job:list`). */
function commandFiles(topic) {
  return readdirSync(join(dist, 'commands'), {recursive: true})
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.split(sep).join('/'))
    .filter((f) => topic === null || f.startsWith(`${topic}/`))
    .sort()
    .map((f) => ({
      file: f,
      id: f
        .replace(/\.js$/, '')
        .split('/')
        .filter((p) => p !== 'index')
        .join(':'),
    }));
}

/**
 * The bundle's exports, in CommonJS so that esbuild initialises a module when it is first
 * required: `gnt-job --help` runs main() without initialising @oclif/core or any command
 * (src/cli/main.ts answers it from the manifest), and oclif, which takes a command from COMMANDS
 * when it runs it, initialises that command alone and not every command of the binary.
 */
function entrySource(topic) {
  return [
    "exports.main = (...args) => require('./cli/main.js').main(...args);",
    'const COMMANDS = {};',
    ...commandFiles(topic).map(
      (c) =>
        `Object.defineProperty(COMMANDS, ${JSON.stringify(c.id)}, {enumerable: true, get: () => require('./commands/${c.file}').default});`,
    ),
    'exports.COMMANDS = COMMANDS;',
    '',
  ].join('\n');
}

const plugin = {
  name: 'ganeti-ts-cli',
  setup(build) {
    for (const patch of PATCHES) {
      build.onLoad({filter: new RegExp(`${patch.file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`)}, async (args) => {
        const text = await readFile(args.path, 'utf8');
        if (!text.includes(patch.from)) throw new Error(`${patch.file} no longer contains ${patch.from}: update scripts/bundle-cli.js`);
        return {contents: text.replace(patch.from, patch.to), loader: 'js'};
      });
    }
    build.onResolve({filter: new RegExp(`^(${Object.keys(STUBS).join('|')})$`)}, (args) => ({path: args.path, namespace: 'stub'}));
    build.onLoad({filter: /.*/, namespace: 'stub'}, (args) => ({contents: STUBS[args.path], loader: 'js', resolveDir: root}));
    build.onResolve({filter: /^\.\.?\//}, (args) => {
      const target = resolve(args.resolveDir, args.path);
      if (args.kind !== 'dynamic-import' || !LAZY.has(target)) return undefined;
      return {path: LAZY.get(target), external: true};
    });
    // import.meta is empty in CommonJS: give each module the URL of its own file in dist/, so
    // that paths it makes from it (the writer threads' script, bin/ganeti.js) stay right.
    build.onLoad({filter: /\.js$/}, async (args) => {
      if (!args.path.startsWith(dist + sep)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta')) return undefined;
      const own = JSON.stringify(relative(out, args.path).split(sep).join('/'));
      const url = `require("node:url").pathToFileURL(require("node:path").join(__dirname, ${own})).href`;
      return {contents: text.replaceAll('import.meta.url', url), loader: 'js'};
    });
  },
};

mkdirSync(out, {recursive: true});
const results = await Promise.all(
  BUNDLES.map(({name, topic}) =>
    esbuild.build({
      metafile: process.env.BUNDLE_META === '1',
      stdin: {contents: entrySource(topic), resolveDir: dist, sourcefile: `${name}-entry.js`, loader: 'js'},
      outfile: join(out, `${name}.cjs`),
      write: false,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // Required only by @oclif/core's TypeScript support for development, never in production.
      external: ['typescript', 'enquirer'],
      logLevel: 'warning',
      plugins: [plugin],
      banner: {js: LAZY_BUILTIN_HELPER},
    }),
  ),
);
for (const r of results) emit(r);

// gnt-job top: the monitor with ink, React and yoga in one CommonJS bundle, loaded like the others
// (with a code cache) when the command runs. It spares Node the resolution, loading and compiling
// of ~150 modules and the export scan of React's CommonJS files. Three top-level awaits stand in
// the way of CommonJS: yoga's WebAssembly start becomes a promise that runTop awaits, and ink's
// two for DEV=true (React devtools, which are not installed) report what a missing module does.
// React's production build is chosen here; `fetch` is undefined for yoga's loader, whose
// `typeof fetch` would load Node's fetch implementation (60 ms) to then use the embedded
// WebAssembly anyway.
const TOP_PATCHES = [
  {
    file: 'yoga-layout/dist/src/index.js',
    from: 'const Yoga = wrapAssembly(await loadYoga());\nexport default Yoga;',
    to: 'let Yoga;\nexport const ready = loadYoga().then((m) => { Yoga = wrapAssembly(m); });\nexport { Yoga as default };',
  },
  {
    file: 'ink/build/reconciler.js',
    from: "await import('./devtools.js');",
    to: "throw Object.assign(new Error('react-devtools-core is not in the bundle'), {code: 'ERR_MODULE_NOT_FOUND'});",
  },
  {file: 'ink/build/reconciler.js', from: '? await loadPackageJson()', to: '? { name: undefined, version: undefined }'},
];
const top = await esbuild.build({
  stdin: {
    contents: [
      "import {ready} from 'yoga-layout';",
      "import {runTop as run} from './ui/top.js';",
      'export async function runTop(options) {',
      '  await ready;',
      '  return run(options);',
      '}',
    ].join('\n'),
    resolveDir: dist,
    sourcefile: 'top-entry.js',
    loader: 'js',
  },
  outfile: join(out, 'top.cjs'),
  write: false,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  define: {'process.env.NODE_ENV': '"production"', fetch: 'undefined'},
  logLevel: 'error',
  plugins: [
    {
      name: 'top-patches',
      setup(build) {
        const files = [...new Set(TOP_PATCHES.map((p) => p.file))];
        for (const file of files) {
          build.onLoad({filter: new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`)}, async (args) => {
            let text = await readFile(args.path, 'utf8');
            for (const patch of TOP_PATCHES.filter((p) => p.file === file)) {
              if (!text.includes(patch.from)) throw new Error(`${file} no longer contains ${patch.from}: update scripts/bundle-cli.js`);
              text = text.replace(patch.from, patch.to);
            }
            return {contents: text, loader: 'js'};
          });
        }
      },
    },
  ],
});
emit(top);

for (const {name} of BUNDLES) {
  const file = join(out, `${name}.cjs`);
  const names = LAZY_BUILTINS.flatMap((b) => [b, `node:${b}`]).join('|');
  // A dynamic import() in code that bin/ganeti.js compiles with vm.Script and a code cache has
  // no module loader behind it on Node 20 (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING once the
  // cache is used): each goes through module.importEsm, which bin/ganeti.js provides.
  const text = outputs
    .get(file)
    .replace(new RegExp(`\\brequire\\("(${names})"\\)`, 'g'), '__lazyBuiltin("$1")')
    .replace(/(?<=\bawait )import\(/g, '__importEsm(');
  const left = /(?<![`'"])\bimport\("/.exec(text);
  if (left !== null)
    throw new Error(`${file}: an import() that does not go through __importEsm: ${text.slice(left.index, left.index + 80)}`);
  outputs.set(file, text);
}
for (const [file, text] of outputs) writeIfChanged(file, text);
// What is left of earlier builds: other files, and code caches of a bundle's earlier versions
// (bin/ganeti.js names a cache after its bundle's size and time).
for (const name of readdirSync(out)) {
  const file = join(out, name);
  if (outputs.has(file) || name.endsWith('.meta.json') || name.endsWith('.tmp')) continue;
  const bundle = [...outputs.keys()].find((f) => name.startsWith(`${f.slice(out.length + 1)}.`));
  if (bundle !== undefined && name.endsWith('.cache')) {
    const st = statSync(bundle);
    if (name.endsWith(`.${st.size}-${Math.trunc(st.mtimeMs)}.cache`)) continue;
  }
  rmSync(file, {force: true});
}

// BUNDLE_META=1: what each bundle is made of, for docs/cli-startup.md.
if (process.env.BUNDLE_META === '1') {
  for (const [i, r] of results.entries()) writeFileSync(join(out, `${BUNDLES[i].name}.meta.json`), JSON.stringify(r.metafile));
}
