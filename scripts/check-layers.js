#!/usr/bin/env node
// Fails when the folders under src/ import each other in a cycle (docs/architecture.md lists
// the layers). A folder is the first path segment under src/; a file directly in src/ counts
// as its own folder. Type-only imports count too: they tie the folders together just the same.
import {readdirSync, readFileSync} from 'node:fs';
import {dirname, join, relative, resolve, sep} from 'node:path';

const SRC = resolve(process.argv[2] ?? 'src');
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)'(\.{1,2}\/[^']+)'/g;

function layerOf(file) {
  const parts = relative(SRC, file).split(sep);
  return parts.length === 1 ? parts[0].replace(/\.tsx?$/, '') : parts[0];
}

/** edges.get(a).get(b) = one example "file -> import" that makes a depend on b. */
const edges = new Map();
for (const entry of readdirSync(SRC, {recursive: true})) {
  const file = join(SRC, String(entry));
  if (!/\.tsx?$/.test(file) || file.endsWith('.d.ts')) continue;
  const from = layerOf(file);
  for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
    const to = layerOf(resolve(dirname(file), m[1]));
    if (to === from || to.startsWith('..')) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from).has(to)) edges.get(from).set(to, `${relative(SRC, file)} imports ${m[1]}`);
  }
}

// Tarjan's strongly connected components: any component of more than one folder is a cycle.
let index = 0;
const idx = new Map(),
  low = new Map(),
  stack = [],
  onStack = new Set(),
  cycles = [];
function visit(v) {
  idx.set(v, index);
  low.set(v, index);
  index++;
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!idx.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
  }
  if (low.get(v) === idx.get(v)) {
    const scc = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1) cycles.push(scc.sort());
  }
}
for (const v of edges.keys()) if (!idx.has(v)) visit(v);

if (cycles.length > 0) {
  for (const scc of cycles) {
    console.error(`import cycle between src/ folders: ${scc.join(', ')}`);
    for (const a of scc) {
      for (const [b, why] of edges.get(a) ?? []) if (scc.includes(b)) console.error(`  ${a} -> ${b}: ${why}`);
    }
  }
  process.exit(1);
}
console.log(`check-layers: ${edges.size} folders, no import cycle`);
