import {readFileSync} from 'node:fs';
import {Args, Flags} from '@oclif/core';
import {formatWatchHeader} from '../../cli/job-output.js';
import {CommandFailure, checkArgCount, LuxiCommand, pollJob, writeErr, writeOut} from '../../cli/luxi-command.js';
import {pyStr} from '../../format/python.js';
import {extendReasonTrail} from '../../cli/reason-trail.js';
import {parseJson} from '../../json/lossless.js';
import {LuxiClientError} from '../../protocol/errors.js';
import type {OpcodeInput} from '../../protocol/luxi-contract.js';

/** Standard input to its end (a synchronous read of a non-blocking pipe fails with EAGAIN). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const isOpcode = (v: unknown): v is OpcodeInput => v !== null && typeof v === 'object' && !Array.isArray(v);

/** A list of opcodes is one job, a list of lists of opcodes many jobs. */
export function parseSubmission(text: string, source: string): {jobs: OpcodeInput[][]; many: boolean} {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (err) {
    throw new CommandFailure(`Cannot parse ${source} as JSON: ${(err as Error).message}`);
  }
  const shape =
    'expected a list of opcodes (one job) or a list of lists of opcodes (several jobs), ' + 'each opcode an object with an "OP_ID"';
  if (!Array.isArray(value) || value.length === 0) throw new CommandFailure(`Invalid job description in ${source}: ${shape}`);
  if (value.every(isOpcode)) return {jobs: [value], many: false};
  if (value.every((job) => Array.isArray(job) && job.every(isOpcode))) return {jobs: value as OpcodeInput[][], many: true};
  throw new CommandFailure(`Invalid job description in ${source}: ${shape}`);
}

export default class JobSubmit extends LuxiCommand {
  static override summary = 'Submit jobs from a JSON description';
  static override description =
    'Reads opcodes as JSON from FILE (or standard input when FILE is "-" or missing): a list of opcode ' +
    'objects is submitted as one job (SubmitJob), a list of such lists as one job each (SubmitManyJobs; ' +
    'negative "depends" job IDs refer to earlier jobs of the same list). Prints the ID of each job on its ' +
    'own line. With --wait, then follows each job as "watch" does; the exit status is that of the first ' +
    'job that failed. Not part of the stock Ganeti gnt-job.\n\n' +
    'Example: echo \'[{"OP_ID": "OP_TEST_DELAY", "duration": 2, "repeat": 3}]\' | gnt-job submit --wait';
  static override usage = 'job submit [--wait] [FILE|-]';
  static override args = {file: Args.string({description: 'JSON file with the opcodes ("-": standard input)', ignoreStdin: true})};
  static override flags = {
    wait: Flags.boolean({description: 'Follow the submitted jobs and print their log messages until they end'}),
  };

  protected async execute(): Promise<number> {
    const {flags, args} = await this.parseCommand(JobSubmit);
    checkArgCount('submit', args, 0, 1);
    const file = args[0] ?? '-';
    let text: string;
    try {
      text = file === '-' ? await readStdin() : readFileSync(file, 'utf8');
    } catch (err) {
      throw new CommandFailure(`Cannot read ${file === '-' ? 'standard input' : file}: ${(err as Error).message}`);
    }
    const source = file === '-' ? 'standard input' : file;
    const {jobs, many} = parseSubmission(text, source);
    for (const job of jobs) {
      for (const op of job as Array<Record<string, unknown>>) op.reason = extendReasonTrail(op.reason, flags.reason, 'gnt-job', 'submit');
    }
    const client = this.client();

    let code = 0;
    const ids: number[] = [];
    if (!many) {
      ids.push(await client.submitJob(jobs[0]!));
      writeOut(`${ids[0]}\n`);
    } else {
      let results: Array<[boolean, unknown]>;
      try {
        results = await client.submitManyJobs(jobs);
      } catch (err) {
        // An opcode that fails validation refuses the whole request: no job was created.
        if (!(err instanceof LuxiClientError) || err.kind !== 'request') throw err;
        throw new CommandFailure(`${err.message.replace(/^Failed to parse request: /, '')}; no job of ${source} was submitted`);
      }
      let out = '';
      results.forEach(([ok, value], i) => {
        if (ok) {
          ids.push(value as number);
          out += `${pyStr(value)}\n`;
        } else {
          writeErr(`Job ${i} of ${source} was not submitted: ${pyStr(value)}\n`);
          code = 1;
        }
      });
      writeOut(out);
    }

    if (!flags.wait) return code;
    for (const id of ids) {
      writeOut(formatWatchHeader(String(id)));
      try {
        await pollJob(client, id, {log: writeOut, notChanged: writeErr});
      } catch (err) {
        const failure = this.jobFailure(String(id), err);
        writeErr(failure.text);
        if (code === 0) code = failure.exitCode;
      }
    }
    return code;
  }
}
