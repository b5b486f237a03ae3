#!/usr/bin/env node
// `ganeti-noded [-f] [-d] ...` is `ganeti noded ...`.
import {execute} from '@oclif/core';

process.argv.splice(2, 0, 'noded');
await execute({dir: import.meta.url});
