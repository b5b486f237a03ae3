#!/usr/bin/env node
// `gnt-instance X` is `ganeti instance X` (see bin/gnt-job.js).
import {execute} from '@oclif/core';

process.argv.splice(2, 0, 'instance');
await execute({dir: import.meta.url});
