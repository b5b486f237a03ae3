#!/usr/bin/env node
// `gnt-node X` is `ganeti node X` (see bin/ganeti.js and src/cli/main.ts).
require('./ganeti.js').start('node');
