#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node
// `gnt-debug X` is `ganeti debug X` (see bin/ganeti.js and src/cli/main.ts).
require('./ganeti.js').start('debug');
