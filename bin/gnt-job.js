#!/usr/bin/env node
// `gnt-job X` is `ganeti job X`. oclif re-reads process.argv on its error path, so the
// topic is spliced into argv instead of being passed as args.
import {execute} from '@oclif/core';

process.argv.splice(2, 0, 'job');
await execute({dir: import.meta.url});
