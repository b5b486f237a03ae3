#!/usr/bin/env node
// `gnt-cluster X` is `ganeti cluster X` (see src/cli/main.ts).
const {main} = await import('../dist/cli/main.js');
await main(import.meta.url, 'cluster');
