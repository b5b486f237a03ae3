#!/usr/bin/env node
// `ganeti-masterd X` is `ganeti masterd X` (see bin/ganeti.js and src/cli/main.ts).
require('./ganeti.js').start('masterd');
