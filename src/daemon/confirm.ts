// The --no-voting confirmation (docs/architecture.md, "Start-up, voting and shutdown"): only an interactive, exact "YES" proceeds.
import {askText} from '../cli/prompt.js';
import {StartupError} from '../process/startup-error.js';

export async function confirmNoVoting(): Promise<void> {
  if (process.stdin.isTTY !== true) {
    throw new StartupError(
      'The --no-voting option needs an interactive confirmation and standard input is not a terminal; ' +
        'add --yes-do-it to skip the confirmation. Aborting.',
    );
  }
  process.stdout.write(
    'WARNING: the --no-voting option was given. The master daemon will start without asking the other\n' +
      'nodes which node is the master. If another node is running as master too, the two masters will\n' +
      "overwrite each other's configuration and job queue and data can be lost.\n",
  );
  const answer = await askText('Type YES (in capitals) to start without voting', {output: process.stdout});
  if (answer === 'no-tty' || answer.trim() !== 'YES') throw new StartupError('Aborting.');
}
