#!/usr/bin/env node
// `gnt-instance X` is `ganeti instance X` (see src/cli/main.ts).
const {main} = await import('../dist/cli/main.js');
await main(import.meta.url, 'instance');
