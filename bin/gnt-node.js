#!/usr/bin/env node
// `gnt-node X` is `ganeti node X` (see src/cli/main.ts).
const {main} = await import('../dist/cli/main.js');
await main(import.meta.url, 'node');
