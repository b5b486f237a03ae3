#!/usr/bin/env node
// `gnt-cluster X` is `ganeti cluster X` (see bin/gnt-job.js).
import {execute} from '@oclif/core';

process.argv.splice(2, 0, 'cluster');
await execute({dir: import.meta.url});
