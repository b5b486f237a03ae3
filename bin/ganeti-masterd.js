#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node --max-semi-space-size=8
// `ganeti-masterd X` is `ganeti masterd X` (see bin/ganeti.js and src/cli/main.ts).
require('./ganeti.js').start('masterd');
