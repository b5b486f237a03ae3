import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {Command, Flags} from '@oclif/core';
import {askYesNo} from '../../cli/prompt.js';
import {masterFailover} from '../../cluster/master-failover.js';
import {CommandFailure, exitWithFailure} from '../../cli/luxi-command.js';
import {optparseTokens} from '../../cli/optparse-argv.js';
import {ConfigError} from '../../config/config.js';
import {resolvePaths} from '../../paths.js';

const NO_VOTING_WARNING =
  'This will perform the failover even if most other nodes are down, or if this node is outdated. This is ' +
  'dangerous as it can lead to a non-consistent cluster. Check the gnt-cluster(8) man page before proceeding.';

async function confirm(): Promise<boolean> {
  return (await askYesNo(`${NO_VOTING_WARNING} Continue?`, {output: process.stdout})) === true;
}

/** Starts the master daemon here the usual way (it votes unless told not to); resolves with its exit code. */
function startMasterd(noVoting: boolean): Promise<number> {
  const bin = fileURLToPath(new URL('../../../bin/ganeti.js', import.meta.url));
  const args = ['masterd', ...(noVoting ? ['--no-voting', '--yes-do-it'] : [])];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {stdio: ['ignore', 'inherit', 'inherit'], env: process.env});
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

export default class ClusterMasterFailover extends Command {
  static override summary = 'Make this master candidate the master (works without a running master)';
  static override description =
    'Run on the master candidate that is to become the master. Unless --no-voting is given, every other node is ' +
    'asked which node is the master: a majority must answer and name the current master. The configuration is ' +
    'changed here and sent to every reachable node, the old master is asked to stop its master daemon, and the ' +
    'master daemon is started here on the job queue this node received as a master candidate.';
  static override usage = 'cluster master-failover [--no-voting [--yes-do-it]]';
  static override flags = {
    'no-voting': Flags.boolean({description: 'Do not ask the other nodes (dangerous: asks for confirmation)'}),
    'yes-do-it': Flags.boolean({description: 'With --no-voting: do not ask for confirmation'}),
    debug: Flags.boolean({char: 'd', description: "Print every node's answer and each step"}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(
      ClusterMasterFailover,
      optparseTokens(this, ClusterMasterFailover.flags, 'gnt-cluster', 'master-failover [--no-voting [--yes-do-it]]'),
    );
    if (flags['no-voting'] && !flags['yes-do-it'] && !(await confirm())) {
      exitWithFailure(
        this,
        new CommandFailure(
          process.stdin.isTTY === true ? 'Aborting.' : `${NO_VOTING_WARNING}\nAdd --yes-do-it to proceed without a terminal. Aborting.`,
        ),
      );
    }
    let result;
    try {
      result = await masterFailover(resolvePaths(), {
        noVoting: flags['no-voting'],
        report: (line) => {
          if (flags.debug) process.stderr.write(`${line}\n`);
        },
      });
    } catch (err) {
      exitWithFailure(this, err instanceof ConfigError ? new CommandFailure(err.message) : err);
    }
    for (const w of result.warnings) process.stderr.write(`Warning: ${w}\n`);
    const code = await startMasterd(flags['no-voting']);
    if (code !== 0) {
      exitWithFailure(
        this,
        new CommandFailure(
          `Could not start the master role on the new master ${result.newMaster}, please check (masterd exited with ${code})`,
        ),
      );
    }
    process.stdout.write(`Master failed over from ${result.oldMaster} to ${result.newMaster}\n`);
  }
}
