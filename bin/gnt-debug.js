#!/usr/bin/env node
// `gnt-debug X` is `ganeti debug X` (see src/cli/main.ts).
const {main} = await import('../dist/cli/main.js');
await main(import.meta.url, 'debug');
