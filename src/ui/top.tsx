// Runs `gnt-job top` on the terminal until the user quits, and gives the terminal back as it
// found it however that happens: q, Ctrl-C (a key in raw mode, SIGINT without it), SIGTERM,
// SIGHUP, Ctrl-Z and fg.
import {render} from 'ink';
import type {LuxiClientOptions} from '../protocol/client.js';
import {App, FRAME_MS, type TerminalHooks} from './app.js';
import {JobMonitor} from './job-monitor.js';

const ENTER_ALT_SCREEN = '\x1b[?1049h\x1b[H';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';
const CLEAR_SCREEN = '\x1b[2J\x1b[H';
const SHOW_CURSOR = '\x1b[?25h';
const HIDE_CURSOR = '\x1b[?25l';

/** The exit status after a signal, as a shell reports it. */
const SIGNAL_EXIT = {SIGINT: 130, SIGTERM: 143, SIGHUP: 129} as const;

export interface TopOptions {
  intervalMs: number;
  client: Omit<LuxiClientOptions, 'timeoutMs'>;
}

/** Resolves to the exit status: 0 after q, 130 after Ctrl-C, 128 + n after signal n. */
export async function runTop(opts: TopOptions): Promise<number> {
  const {stdin, stdout} = process;
  const monitor = new JobMonitor({intervalMs: opts.intervalMs, client: opts.client});
  let exitCode = 0;
  const resumeListeners = new Set<() => void>();
  const rawStdin = stdin.isTTY === true;
  let inAltScreen = false;
  const enter = (): void => {
    stdout.write(ENTER_ALT_SCREEN);
    inAltScreen = true;
  };
  const leave = (): void => {
    if (!inAltScreen) return;
    inAltScreen = false;
    stdout.write(SHOW_CURSOR + LEAVE_ALT_SCREEN);
  };
  // Whatever ends the process, the shell gets its screen back.
  process.on('exit', leave);

  const suspend = (): void => {
    const wasRaw = rawStdin && stdin.isRaw;
    if (wasRaw) stdin.setRawMode(false);
    leave();
    process.once('SIGCONT', () => {
      if (wasRaw) stdin.setRawMode(true);
      enter();
      stdout.write(HIDE_CURSOR);
      for (const listener of resumeListeners) listener();
    });
    // SIGSTOP, not SIGTSTP: the SIGTSTP handler below would catch our own.
    process.kill(process.pid, 'SIGSTOP');
  };
  const terminal: TerminalHooks = {
    clearScreen: () => stdout.write(CLEAR_SCREEN),
    suspend,
    onResume: (listener) => {
      resumeListeners.add(listener);
      return () => resumeListeners.delete(listener);
    },
    setExitCode: (code) => {
      exitCode = code;
    },
  };

  enter();
  const signals: Array<[NodeJS.Signals, () => void]> = [];
  try {
    monitor.start();
    // Ctrl-C is a key like the others (exit status 130), handled by the app.
    const app = render(<App source={monitor} terminal={terminal} />, {maxFps: 1000 / FRAME_MS, exitOnCtrlC: false});
    for (const [signal, code] of Object.entries(SIGNAL_EXIT) as Array<[NodeJS.Signals, number]>) {
      signals.push([
        signal,
        () => {
          exitCode = code;
          app.unmount();
        },
      ]);
    }
    // Without raw mode the terminal turns Ctrl-Z into SIGTSTP.
    signals.push(['SIGTSTP', suspend]);
    for (const [signal, handler] of signals) process.on(signal, handler);
    await app.waitUntilExit();
  } finally {
    for (const [signal, handler] of signals) process.off(signal, handler);
    monitor.stop();
    leave();
    process.off('exit', leave);
  }
  return exitCode;
}
