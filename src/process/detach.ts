// Detaching a daemon (docs/architecture.md, "Start-up, voting and shutdown"): Node cannot fork, so the daemon re-runs itself detached
// with `--detached-child`, and the parent waits for one "ok" or "error <code> <message>" line
// on fd 3, written once the child serves (or failed).
import {spawn} from 'node:child_process';
import {closeSync, openSync, writeSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {EXIT_FAILURE, EXIT_SUCCESS} from './exit-codes.js';

/**
 * Node options the daemons start with, which V8 reads at process start only: a young generation
 * of at most 2 x 8 MB instead of 2 x 16 MB, which loading a big queue fills and V8 gives back only
 * after five quiet seconds (docs/architecture.md, "Memory"). The #! lines of bin/ganeti.js and
 * the daemon aliases carry the same; whatever starts a daemon with `node bin/ganeti.js` passes these.
 */
export const DAEMON_NODE_ARGS: readonly string[] = ['--max-semi-space-size=8'];

/** DAEMON_NODE_ARGS that this process was started without (neither on its command line nor in NODE_OPTIONS, with any value). */
export function missingDaemonArgs(): string[] {
  const name = (a: string): string => a.split('=')[0]!;
  const given = new Set([...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].map(name));
  return DAEMON_NODE_ARGS.filter((a) => !given.has(name(a)));
}

/** Starts `ganeti <command> <argv> --detached-child`; resolves with the exit code for the parent. */
export function detachDaemon(command: string, argv: string[], logFile: string): Promise<number> {
  const bin = fileURLToPath(new URL('../../bin/ganeti.js', import.meta.url));
  const logFd = openSync(logFile, 'a', 0o640);
  const child = spawn(process.execPath, [...DAEMON_NODE_ARGS, bin, command, ...argv, '--detached-child'], {
    detached: true,
    stdio: ['ignore', logFd, logFd, 'pipe'],
    // Allocations of 32 KiB and more (socket read buffers) mapped on their own and returned to
    // the system when freed: glibc's heap otherwise keeps ~200 MB after 1,000 hostile
    // connections went (docs/luxi.md). Read by glibc at process start only; a set value wins.
    env: {MALLOC_MMAP_THRESHOLD_: '32768', ...process.env},
  });
  closeSync(logFd);
  return new Promise((resolve) => {
    let text = '';
    const pipe = child.stdio[3] as NodeJS.ReadableStream;
    pipe.setEncoding('utf8');
    pipe.on('data', (d: string) => {
      text += d;
    });
    pipe.on('end', () => {
      child.unref();
      if (text.startsWith('ok')) resolve(EXIT_SUCCESS);
      else {
        const [code, ...msg] = text.replace(/^error /, '').split(' ');
        process.stderr.write(`Error when starting daemon process: '${msg.join(' ').trim() || 'the daemon exited during start-up'}'\n`);
        resolve(Number(code) || EXIT_FAILURE);
      }
    });
  });
}

/** In the detached child: tells the waiting parent "ok" or "error <code> <message>". */
export function reportReady(detachedChild: boolean, line: string): void {
  if (!detachedChild) return;
  try {
    writeSync(3, line + '\n');
    closeSync(3);
  } catch {
    // The parent is gone; nothing to tell.
  }
}
