#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
// `gnt-job X` is `ganeti job X` (see bin/ganeti.js and src/cli/main.ts).
require('./ganeti.js').start('job');
