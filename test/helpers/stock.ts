// Running command-line tools in the interop tests: the stock Ganeti 3.0 ones (Python, from
// /usr/share/ganeti/3.0) and ours, each in a new session. Without a controlling terminal a
// confirmation question (which opens /dev/tty) is answered "no" instead of waiting for a
// person. Output is collected until the streams close, not until 'exit'.
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';

export const STOCK_DIR = '/usr/share/ganeti/3.0';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs cmd in a new session and collects what it prints. */
export function runDetached(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    const proc = spawn(cmd, args, {env, stdio: ['ignore', 'pipe', 'pipe'], detached: true});
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.on('close', (code) => resolve({code, stdout, stderr}));
  });
}

/** Runs a stock 3.0 tool (gnt-job, gnt-instance, ...) with the node's environment, in UTC. */
export function runStock(tool: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return runDetached('/usr/bin/python3', [`${STOCK_DIR}/${tool}`, ...args], {...env, TZ: 'UTC', PYTHONPATH: STOCK_DIR});
}

/** A test's skip reason when the stock tool is not installed (false when it is). */
export function stockMissing(tool: string): false | string {
  return existsSync(`${STOCK_DIR}/${tool}`) ? false : `the stock Ganeti 3.0 ${tool} is not installed (${STOCK_DIR}/${tool})`;
}
