// In-process instance cluster: the real opcode implementations (locks, then exec) against an
// in-memory configuration, and the real node daemon procedures of three virtual nodes (each
// with its own root), called without HTTP. Arguments and replies go through JSON as on the wire.
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {initCluster} from '../../src/cluster/cluster-init.js';
import type {ConfigData} from '../../src/config/config.js';
import {LockManager} from '../../src/daemon/locks.js';
import {LOGICAL_UNITS} from '../../src/daemon/logical-units/index.js';
import type {NodeRpc, OpEnv} from '../../src/daemon/logical-units/logical-unit.js';
import type {NodeRpcResult} from '../../src/rpc/client.js';
import {query, type QuerySources} from '../../src/daemon/queries.js';
import {parseJson, stringifyJson} from '../../src/json/lossless.js';
import {nodeProcedures, type Procedure} from '../../src/noded/procedures.js';
import {validateOpcode} from '../../src/opcodes/validate.js';
import {encodeError} from '../../src/protocol/errors.js';
import {resolvePaths, type GanetiPaths} from '../../src/paths.js';
import {OFFLINE_MESSAGE} from '../../src/rpc/client.js';

export interface OpOutcome {
  ok: boolean;
  result: unknown;
  log: string[];
}

/** Names as in the captures of a real cluster (test/fixtures/instances/stock-outputs.txt). */
export const nodeName = (n: number): string => `node${n}.ganeti.test`;

export class InstanceCluster {
  cfg!: ConfigData;
  readonly paths = new Map<string, GanetiPaths>();
  readonly procs = new Map<string, ReadonlyMap<string, Procedure>>();
  /** Nodes whose daemon does not answer. */
  readonly down = new Set<string>();
  readonly calls: Array<{node: string; procedure: string}> = [];
  readonly locks = new LockManager();

  private constructor(readonly base: string) {}

  static async create(nodes = 3): Promise<InstanceCluster> {
    const ic = new InstanceCluster(mkdtempSync(join(tmpdir(), 'ganeti-ts-inst-')));
    for (let n = 1; n <= nodes; n++) {
      const name = nodeName(n);
      const paths = resolvePaths({GANETI_ROOTDIR: join(ic.base, name), GANETI_HOSTNAME: name});
      ic.paths.set(name, paths);
      ic.procs.set(name, nodeProcedures(paths));
    }
    const cfg = await initCluster(ic.paths.get(nodeName(1))!, {clusterName: 'vc.example.com', primaryIp: '127.0.0.1', certificate: false});
    const template = Object.values(cfg.nodes)[0]!;
    for (let n = 2; n <= nodes; n++) {
      const uuid = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      cfg.nodes[uuid] = {...structuredClone(template), name: nodeName(n), uuid, primary_ip: `127.0.0.${n}`, secondary_ip: `127.0.0.${n}`};
    }
    ic.cfg = cfg;
    return ic;
  }

  readonly rpc: NodeRpc = async (names, procedure, args) =>
    Promise.all(
      names.map(async (name): Promise<NodeRpcResult> => {
        this.calls.push({node: name, procedure});
        const node = Object.values(this.cfg.nodes).find((n) => n.name === name);
        if (node?.offline === true) return {node: name, ok: false, payload: OFFLINE_MESSAGE};
        if (this.down.has(name)) return {node: name, ok: false, payload: 'connect ECONNREFUSED'};
        const proc = this.procs.get(name)?.get(procedure);
        if (proc === undefined) return {node: name, ok: false, payload: `HTTP 404: ${procedure}`};
        try {
          const wire = parseJson(stringifyJson(args)) as unknown[];
          return {node: name, ok: true, payload: parseJson(stringifyJson((await proc(wire, new AbortController().signal)) ?? null))};
        } catch (err) {
          return {node: name, ok: false, payload: (err as Error).message};
        }
      }),
    );

  env(log: string[], owner = 'job/1'): OpEnv {
    return {
      cfg: this.cfg,
      signal: new AbortController().signal,
      feedback: (m) => log.push(String(m)),
      releaseLocks: (level) => this.locks.releaseLevel(owner, level),
      rpc: this.rpc,
      cluster: {
        updateConfig: async (mutate) => {
          const next = structuredClone(this.cfg);
          mutate(next);
          next.serial_no += 1;
          this.cfg = next;
          return next;
        },
        current: () => this.cfg,
        callAddress: () => Promise.reject(new Error('no address calls in-process')),
      },
    };
  }

  /** Validates and runs one opcode as the executor does: locks, then exec. */
  async run(input: Record<string, unknown>, owner = 'job/1'): Promise<OpOutcome> {
    const op = validateOpcode(input, {allowRelativeDepends: false});
    const lu = LOGICAL_UNITS.get(String(op.OP_ID))!;
    const log: string[] = [];
    const env = this.env(log, owner);
    try {
      await this.locks.acquire(owner, await lu.locks(op, env), 0);
      return {ok: true, result: await lu.exec(op, env), log};
    } catch (err) {
      return {ok: false, result: encodeError(err), log};
    } finally {
      this.locks.release(owner);
    }
  }

  async ok(input: Record<string, unknown>): Promise<OpOutcome> {
    const out = await this.run(input);
    if (!out.ok) throw new Error(`${String(input.OP_ID)} failed: ${JSON.stringify(out.result)}`);
    return out;
  }

  sources(): QuerySources {
    return {config: () => this.cfg, nodeRpc: this.rpc} as unknown as QuerySources;
  }

  async list(fields: string[], filter: unknown = null): Promise<unknown[][]> {
    const res = await query(this.sources(), 'instance', fields, filter);
    return res.data;
  }

  hvFile(node: string, instance: string): string {
    return join(this.paths.get(node)!.runDir, 'fake-hypervisor', instance);
  }

  cleanup(): void {
    rmSync(this.base, {recursive: true, force: true});
  }
}

export const A = {
  disk_template: 'diskless',
  os_type: 'noop',
  name_check: false,
  ip_check: false,
  nics: [{mode: 'openvswitch', link: 'sw0'}],
};

export function create(name: string, pnode: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {OP_ID: 'OP_INSTANCE_CREATE', instance_name: name, mode: 'create', pnode, ...A, ...extra};
}

export function op(id: string, name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {OP_ID: `OP_INSTANCE_${id}`, instance_name: name, ...extra};
}
