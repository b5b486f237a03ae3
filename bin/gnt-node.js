#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
// `gnt-node X` is `ganeti node X` (see bin/ganeti.js and src/cli/main.ts).
require('./ganeti.js').start('node');
