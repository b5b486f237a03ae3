import {Command, Flags} from '@oclif/core';
import {optparseTokens} from '../cli/optparse-argv.js';
import {parseTimespec} from '../cli/job-output.js';
import {DEFAULT_QUEUE_SIZE_LIMIT} from '../daemon/job-queue.js';
import {DEFAULT_MAX_MESSAGE_BYTES} from '../protocol/framing.js';

/** Ganeti's time specification (seconds, or a number with an s/m/h/d/w suffix), >= 0. */
function parseDuration(input: string): number {
  let seconds: number | bigint;
  try {
    seconds = parseTimespec(input);
  } catch (err) {
    throw new Error((err as Error).message);
  }
  if (typeof seconds !== 'number' || seconds < 0)
    throw new Error(`Expected a duration such as 30s, 5m, 6h, 2d, 1w or 0, but received: ${input}`);
  return seconds;
}

export default class Masterd extends Command {
  static override summary = 'Run the Ganeti master daemon (job queue, LUXI server, scheduler)';
  static override description =
    'Serves LUXI on the master and query sockets under $GANETI_ROOTDIR/var/run/ganeti/socket/, keeps the job ' +
    'queue in $GANETI_ROOTDIR/var/lib/ganeti/queue and runs jobs. Without -f it detaches once it is ready.';
  static override usage = 'masterd [-f] [-d] [--no-voting [--yes-do-it]]';
  static override flags = {
    foreground: Flags.boolean({char: 'f', description: "Don't detach from the current terminal; also log to stderr"}),
    debug: Flags.boolean({char: 'd', description: 'Enable debug messages'}),
    'no-voting': Flags.boolean({description: 'Skip the master voting at start-up (asks for confirmation)'}),
    'yes-do-it': Flags.boolean({description: 'With --no-voting: do not ask for confirmation'}),
    'job-queue-size-limit': Flags.integer({
      description: 'Refuse submissions while this many jobs are not archived',
      default: DEFAULT_QUEUE_SIZE_LIMIT,
      min: 1,
    }),
    'lock-attempts-timeout': Flags.custom<number>({
      description: "Seconds an opcode waits for its locks before its priority is raised one step (Ganeti's LOCK_ATTEMPTS_TIMEOUT)",
      default: 1800,
      parse: async (input) => {
        const seconds = Number(input);
        if (!Number.isFinite(seconds) || seconds < 0.01) throw new Error(`Expected a number of seconds >= 0.01 but received: ${input}`);
        return seconds;
      },
    })(),
    'max-running-jobs': Flags.integer({description: "Jobs executing at once (default: the cluster's max_running_jobs)", min: 1}),
    'shutdown-linger': Flags.integer({
      description: 'Seconds to keep answering after the last running job finished on shutdown',
      default: 5,
      min: 0,
    }),
    'voting-retries': Flags.integer({description: 'Voting rounds after the first when nodes do not answer', default: 6, min: 0}),
    'voting-interval': Flags.integer({description: 'Seconds between voting rounds', default: 10, min: 0}),
    'voting-timeout': Flags.integer({description: "Seconds to wait for each node's vote", default: 60, min: 1}),
    'wfjc-nochange': Flags.boolean({description: 'Answer a timed-out WaitForJobChange with "nochange" (Ganeti 2.10)'}),
    'max-message-size': Flags.integer({description: 'Largest LUXI request in bytes', default: DEFAULT_MAX_MESSAGE_BYTES, min: 1024}),
    'auto-archive-age': Flags.custom<number>({
      description:
        "Archive finished jobs this long after they end (30s, 5m, 6h, 2d, 1w; 0: never). Default: the cluster configuration's value, else 6h; a value given is stored there",
      parse: async (input) => parseDuration(input),
    })(),
    'archive-retention': Flags.custom<number>({
      description:
        "Delete archived jobs this long after they were last written (same syntax; 0: keep for ever). Default: the cluster configuration's value, else 21d; a value given is stored there",
      parse: async (input) => parseDuration(input),
    })(),
    'detached-child': Flags.boolean({hidden: true}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(
      Masterd,
      optparseTokens(this, Masterd.flags, 'ganeti-masterd', '[-f] [-d] [--no-voting [--yes-do-it]]', 'plain'),
    );
    const passOn = this.argv.filter((a) => a !== '-f' && a !== '--foreground' && a !== '--detached-child');
    // Loaded here, not at the top: without an oclif manifest every CLI call imports every command module.
    const {runMasterd} = await import('../daemon/masterd.js');
    const code = await runMasterd({
      foreground: flags.foreground,
      debug: flags.debug,
      noVoting: flags['no-voting'],
      yesDoIt: flags['yes-do-it'],
      detachedChild: flags['detached-child'],
      queueSizeLimit: flags['job-queue-size-limit'],
      lockAgingMs: flags['lock-attempts-timeout'] * 1000,
      maxRunningJobs: flags['max-running-jobs'],
      shutdownLingerMs: flags['shutdown-linger'] * 1000,
      votingRetries: flags['voting-retries'],
      votingIntervalMs: flags['voting-interval'] * 1000,
      votingTimeoutMs: flags['voting-timeout'] * 1000,
      nochangeOnTimeout: flags['wfjc-nochange'],
      maxMessageBytes: flags['max-message-size'],
      autoArchiveAgeS: flags['auto-archive-age'],
      archiveRetentionS: flags['archive-retention'],
      version: this.config.version,
      argv: passOn.includes('--yes-do-it') || !flags['no-voting'] ? passOn : [...passOn, '--yes-do-it'],
    });
    process.exit(code);
  }
}
