#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
// `gnt-cluster X` is `ganeti cluster X` (see bin/ganeti.js and src/cli/main.ts).
require('./ganeti.js').start('cluster');
