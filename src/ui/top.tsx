// Runs `gnt-job top` on the terminal until the user quits.
import {render} from 'ink';
import type {LuxiClientOptions} from '../protocol/client.js';
import {App, FRAME_MS} from './app.js';
import {JobMonitor} from './job-monitor.js';

const ENTER_ALT_SCREEN = '\x1b[?1049h';
const LEAVE_ALT_SCREEN = '\x1b[?1049l';

export interface TopOptions {
  intervalMs: number;
  client: Omit<LuxiClientOptions, 'timeoutMs'>;
}

export async function runTop(opts: TopOptions): Promise<void> {
  const monitor = new JobMonitor({intervalMs: opts.intervalMs, client: opts.client});
  process.stdout.write(ENTER_ALT_SCREEN);
  try {
    monitor.start();
    const app = render(<App source={monitor} />, {maxFps: 1000 / FRAME_MS});
    const quit = (): void => app.unmount();
    process.once('SIGTERM', quit);
    process.once('SIGHUP', quit);
    await app.waitUntilExit();
  } finally {
    monitor.stop();
    process.stdout.write(LEAVE_ALT_SCREEN);
  }
}
