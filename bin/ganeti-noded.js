#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
// `ganeti-noded X` is `ganeti noded X` (see bin/ganeti.js and src/cli/main.ts).
require('./ganeti.js').start('noded');
