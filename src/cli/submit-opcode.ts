// cli.SubmitOpCode for the gnt-node / gnt-cluster commands: submit one opcode as a job, print
// its log messages as they arrive (cli.StdioJobPollReportCb), return the opcode's result or
// throw the job's error.
import type {LuxiClient} from '../protocol/client.js';
import {formatWatchLogLine, jobLostError, jobResultError} from './job-output.js';

export async function submitOpcode(client: LuxiClient, op: Record<string, unknown>, write: (text: string) => void): Promise<unknown> {
  const id = await client.submitJob([op]);
  let prev: unknown[] | null = null;
  let serial: number | null = null;
  for (;;) {
    const res = await client.waitForJobChange(id, ['status'], prev, serial, 30);
    if (res === 'nochange') continue;
    if (res === null) throw jobLostError(String(id));
    const [info, logs] = res;
    prev = info;
    for (const [s, ts, type, message] of logs) {
      write(formatWatchLogLine(ts, type, message));
      serial = s;
    }
    if (['success', 'error', 'canceled'].includes(info[0] as string)) break;
  }
  const rows = await client.queryJobs([id], ['status', 'opstatus', 'opresult']);
  const row = rows[0];
  if (row === undefined || row === null) throw jobLostError(String(id));
  const [status, opstatus, opresult] = row;
  const err = jobResultError(status, opstatus, opresult);
  if (err !== null) throw err;
  return Array.isArray(opresult) ? opresult[0] : null;
}
