#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
// `gnt-instance X` is `ganeti instance X` (see bin/ganeti.js and src/cli/main.ts).
require('./ganeti.js').start('instance');
