#!/usr/bin/env node
// `ganeti-masterd [-f] [-d] ...` is `ganeti masterd ...`.
import {execute} from '@oclif/core';

process.argv.splice(2, 0, 'masterd');
await execute({dir: import.meta.url});
