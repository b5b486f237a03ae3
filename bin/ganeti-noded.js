#!/usr/bin/env node
// `ganeti-noded X` is `ganeti noded X` (see bin/ganeti.js and src/cli/main.ts).
require('./ganeti.js').start('noded');
