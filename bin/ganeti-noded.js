#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node --max-semi-space-size=8
// `ganeti-noded X` is `ganeti noded X` (see bin/ganeti.js and src/cli/main.ts).
require('./ganeti.js').start('noded');
