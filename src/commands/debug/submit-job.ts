import {readFileSync} from 'node:fs';
import {Args, Flags} from '@oclif/core';
import {DRY_RUN_FLAG, executeJobs, intOption, PRIORITY_FLAG, setGenericOpcodeOpts, type QueuedJob} from '../../cli/debug-jobs.js';
import {checkArgCount, CommandFailure, LuxiCommand, writeOut} from '../../cli/luxi-command.js';
import {parseJson} from '../../json/lossless.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

/** One file: a JSON list of opcode objects, each with an OP_ID. */
function readOpcodes(file: string): Record<string, unknown>[] {
  let value: unknown;
  try {
    value = parseJson(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CommandFailure(`Cannot load opcodes from ${file}: ${(err as Error).message}`);
  }
  const isOpcode = (v: unknown): boolean =>
    v !== null && typeof v === 'object' && !Array.isArray(v) && typeof (v as {OP_ID?: unknown}).OP_ID === 'string';
  if (!Array.isArray(value) || !value.every(isOpcode)) {
    throw new CommandFailure(`Cannot load opcodes from ${file}: expected a list of opcode objects, each with an "OP_ID"`);
  }
  return value as Record<string, unknown>[];
}

const seconds = (ms: number): string => (ms / 1000).toFixed(4).padStart(4);

export default class DebugSubmitJob extends LuxiCommand {
  static override summary = 'Submits jobs built from json files containing a list of serialized opcodes';
  static override description =
    'Each FILE holds a JSON list of opcodes and makes one job (--op-repeat repeats its opcodes, ' +
    '--job-repeat submits every file that many times). The jobs are submitted in one SubmitManyJobs call ' +
    '(with --each one SubmitJob per job), then followed to their end; a job that fails is reported on stderr.';
  static override usage =
    'debug submit-job [-v] [--op-repeat N] [--job-repeat N] [--timing-stats] [--each] [--dry-run] [--priority P] FILE...';
  static override synopsis = '<op-list-file>...';
  static override args = {files: Args.string({description: 'JSON files with a list of opcodes each', ignoreStdin: true})};
  static override flags = {
    verbose: Flags.boolean({char: 'v', description: 'Increase the verbosity of the operation'}),
    'op-repeat': Flags.string({description: 'Repeat the opcode sequence this number of times', helpValue: 'N'}),
    'job-repeat': Flags.string({description: 'Repeat the job this number of times', helpValue: 'N'}),
    'timing-stats': Flags.boolean({description: 'Show timing stats'}),
    each: Flags.boolean({description: 'Submit each job separately'}),
    'dry-run': DRY_RUN_FLAG,
    priority: PRIORITY_FLAG,
  };

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(DebugSubmitJob);
    const opRepeat = intOption('--op-repeat', flags['op-repeat'] ?? '1');
    const jobRepeat = intOption('--job-repeat', flags['job-repeat'] ?? '1');
    checkArgCount('submit-job', args, 1, null);
    const timing = flags['timing-stats'];
    if (timing) writeOut('Loading...\n');
    const jobs: QueuedJob[] = [];
    let opCount = 0;
    for (let round = 0; round < jobRepeat; round++) {
      for (const file of args) {
        const ops: Record<string, unknown>[] = [];
        for (let i = 0; i < opRepeat; i++) ops.push(...readOpcodes(file).map((op) => ({...op})));
        for (const op of ops) {
          setGenericOpcodeOpts(op, {
            debugLevel: this.debugLevel,
            dryRun: flags['dry-run'] === true,
            priority: flags.priority,
            reason: flags.reason,
            client: 'gnt-debug',
            command: 'submit-job',
          });
        }
        jobs.push({name: `file ${file}/${round}`, ops});
        opCount += ops.length;
      }
    }
    const t1 = performance.now();
    if (timing) writeOut('Submitting...\n');
    const client = this.client();
    let t2 = 0;
    await executeJobs(client, jobs, {
      verbose: flags.verbose === true,
      each: flags.each === true,
      submitted: () => {
        t2 = performance.now();
        if (timing) writeOut('Executing...\n');
      },
    });
    const t3 = performance.now();
    if (timing) {
      writeOut(
        `C:op     ${String(opCount).padStart(4)}\nC:job    ${String(jobs.length).padStart(4)}\n` +
          `T:submit ${seconds(t2 - t1)}\nT:exec   ${seconds(t3 - t2)}\nT:total  ${seconds(t3 - t1)}\n`,
      );
    }
    return EXIT_SUCCESS;
  }
}
