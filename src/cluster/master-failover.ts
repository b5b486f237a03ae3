// Master failover, run on the master candidate that takes over (Ganeti's bootstrap.MasterFailover
// with 3.x's health check). It needs no running master: the local configuration and job queue
// are the replicas the old master kept up to date. The new configuration (master = this node)
// goes to every reachable node, so the old master's daemon, if it is restarted, refuses to run.
import {masterNode, niceSort, readConfig, writeConfig, type ConfigData} from '../config/config.js';
import {ssconfValues, writeSsconf} from '../config/ssconf.js';
import {stringifyJson} from '../json/lossless.js';
import type {GanetiPaths} from '../paths.js';
import {opPrereqError} from '../protocol/errors.js';
import {QueueStore} from '../queue/store.js';
import {NodeRpcClient, RPC_TIMEOUT_URGENT_MS} from '../rpc/client.js';
import {distributeConfig} from '../rpc/config-sync.js';

export interface FailoverOptions {
  noVoting: boolean;
  /** One line per node answer and per step. */
  report(line: string): void;
}

export interface FailoverResult {
  oldMaster: string;
  newMaster: string;
  warnings: string[];
}

/** Asks every other node for its master; refuses unless a healthy majority names the old master. */
async function checkVotes(rpc: NodeRpcClient, cfg: ConfigData, me: string, oldMaster: string, opts: FailoverOptions): Promise<void> {
  const others = niceSort(Object.values(cfg.nodes), (n) => n.name).filter((n) => n.name.toLowerCase() !== me);
  if (others.length === 0) return;
  const answers = await Promise.all(
    others.map(async (n) => {
      try {
        return {node: n.name, vote: (await rpc.masterNodeName(n.name)).toLowerCase()};
      } catch (err) {
        return {node: n.name, vote: null, error: (err as Error).message};
      }
    }),
  );
  const tally = new Map<string | null, number>();
  for (const a of answers) {
    opts.report(a.vote === null ? `node ${a.node}: no answer (${a.error})` : `node ${a.node}: votes for ${a.vote}`);
    tally.set(a.vote, (tally.get(a.vote) ?? 0) + 1);
  }
  const unhealthy = answers.filter((a) => a.vote === null).map((a) => a.node);
  const total = others.length + 1;
  if (2 * (total - unhealthy.length) <= total) {
    throw opPrereqError(
      'Master-failover with voting is only possible if the majority of nodes are still healthy; use the ' +
        "--no-voting option after ensuring by other means that you won't end up in a dual-master scenario. " +
        `Unhealthy nodes: ${unhealthy.join(', ')}`,
      'environment_error',
    );
  }
  // Most votes first; on a tie a node name beats "no answer" (Ganeti sorts None lowest).
  const ranked = [...tally.entries()].sort((x, y) => y[1] - x[1] || (x[0] === null ? 1 : y[0] === null ? -1 : y[0].localeCompare(x[0])));
  const [top] = ranked[0]!;
  if (top === null) throw opPrereqError('Cluster is inconsistent, most nodes did not respond.', 'environment_error');
  if (top !== oldMaster.toLowerCase()) {
    throw opPrereqError(
      `I have a wrong configuration, I believe the master is ${oldMaster} but the other nodes voted ${top}. ` +
        'Please resync the configuration of this node.',
      'wrong_state',
    );
  }
}

export async function masterFailover(paths: GanetiPaths, opts: FailoverOptions): Promise<FailoverResult> {
  const cfg = await readConfig(paths.configFile);
  const me = paths.hostname;
  const old = masterNode(cfg);
  if (old === undefined)
    throw opPrereqError(`The configured master node ${cfg.cluster.master_node} is not in the node list`, 'wrong_state');
  if (old.name.toLowerCase() === me) {
    throw opPrereqError(
      `This commands must be run on the node where you want the new master to be. ${old.name} is already the master`,
      'wrong_input',
    );
  }
  const self = Object.values(cfg.nodes).find((n) => n.name.toLowerCase() === me);
  if (self === undefined || !self.master_candidate) {
    const candidates = Object.values(cfg.nodes)
      .filter((n) => n.master_candidate && n.uuid !== old.uuid)
      .map((n) => n.name);
    throw opPrereqError(
      'This node is not among the nodes marked as master candidates. Only these nodes can become masters. ' +
        `Current list of master candidates is:\n${candidates.join('\n')}`,
      'wrong_state',
    );
  }

  const rpc = NodeRpcClient.forNode(paths, () => cfg);
  const warnings: string[] = [];
  try {
    if (!opts.noVoting) await checkVotes(rpc, cfg, me, old.name, opts);

    const next = structuredClone(cfg);
    const now = Date.now() / 1000;
    next.cluster.master_node = self.uuid;
    next.cluster.serial_no += 1;
    next.cluster.mtime = now;
    next.serial_no += 1;
    next.mtime = now;
    await writeConfig(paths.configFile, next);
    await writeSsconf(paths, ssconfValues(next));
    opts.report(`configuration updated: master is ${self.name}`);

    for (const f of await distributeConfig(rpc, paths, next, stringifyJson(next) + '\n')) {
      warnings.push(`Could not update ${f.procedure === 'upload_file' ? 'the configuration' : 'ssconf'} of node ${f.node}: ${f.error}`);
    }
    const stop = await rpc.callNodes([old.name], 'node_stop_master', [], RPC_TIMEOUT_URGENT_MS);
    if (!stop[0]!.ok) {
      warnings.push(
        `Could not disable the master role on the old master ${old.name}, please disable manually: ${String(stop[0]!.payload)}`,
      );
    }
    const queue = new QueueStore(paths.queueDir);
    await queue.open();
    if (queue.isDrained) {
      opts.report('undraining the job queue');
      await queue.setDrained(false);
    }
  } finally {
    rpc.close();
  }
  return {oldMaster: old.name, newMaster: self.name, warnings};
}
