#!/usr/bin/env node
// `gnt-node X` is `ganeti node X` (see bin/gnt-job.js).
import {execute} from '@oclif/core';

process.argv.splice(2, 0, 'node');
await execute({dir: import.meta.url});
