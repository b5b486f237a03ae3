// OP_INSTANCE_CREATE for the diskless template on the fake hypervisor (docs/instances.md):
// checks on the primary node (hypervisor parameters, OS, bridges, memory), one configuration
// write adding the whole instance, then the start on the primary.
import {randomBytes, randomUUID} from 'node:crypto';
import {isIP} from 'node:net';
import type {ConfigData, InstanceConfig, NicConfig, NodeConfig} from '../../config/config.js';
import {checkHvNotGlobal, forceHvTypes} from '../../config/hv-params.js';
import {GanetiError, opExecError, opPrereqError} from '../../protocol/errors.js';
import type {LockRequest} from '../locks.js';
import {
  checkHvSyntax,
  bglShared,
  callOr,
  checkBridges,
  checkedName,
  checkFreeMemory,
  checkIpolicy,
  checkMinMax,
  clusterBe,
  clusterHv,
  instanceDict,
  instanceLocks,
  parseBeparams,
  rpcOf,
  targetNode,
  TMO_FAST,
  TMO_NORMAL,
  type FilledBe,
} from './instance-common.js';
import {info, type LogicalUnit, type OpEnv} from './logical-unit.js';

const NIC_MODES = ['bridged', 'routed', 'openvswitch'];
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

interface Plan {
  name: string;
  pnode: NodeConfig;
  os: string;
  hypervisor: string;
  hvparams: Record<string, unknown>;
  beparams: Record<string, unknown>;
  be: FilledBe;
  nics: NicConfig[];
  start: boolean;
}

function refuseOutOfScope(op: Record<string, unknown>): void {
  if (op.mode !== 'create') throw opPrereqError(`Instance creation mode '${String(op.mode)}' is not supported by ganeti-ts`, 'wrong_input');
  if (op.forthcoming === true || op.commit === true)
    throw opPrereqError('Forthcoming instances are not supported by ganeti-ts', 'wrong_input');
  if (op.instance_communication === true) throw opPrereqError('Instance communication is not supported by ganeti-ts', 'wrong_input');
  if (op.snode !== null || op.snode_uuid !== null)
    throw opPrereqError('Secondary node given, but disk template is diskless', 'wrong_input');
}

function diskTemplate(op: Record<string, unknown>, cfg: ConfigData): string {
  const enabled = (cfg.cluster.enabled_disk_templates ?? []) as string[];
  const template = (op.disk_template as string | null) ?? enabled[0] ?? 'diskless';
  if (!enabled.includes(template)) {
    throw opPrereqError(
      `Disk template '${template}' is not enabled in cluster. Enabled disk templates are: ${enabled.join(',')}`,
      'wrong_state',
    );
  }
  if ((op.disks as unknown[]).length > 0) throw opPrereqError(`Disk template '${template}' takes no disks`, 'wrong_input');
  return template;
}

function hypervisorOf(op: Record<string, unknown>, cfg: ConfigData): string {
  const enabled = (cfg.cluster.enabled_hypervisors ?? ['fake']) as string[];
  const hv = (op.hypervisor as string | null) ?? enabled[0]!;
  if (!enabled.includes(hv))
    throw opPrereqError(`Selected hypervisor (${hv}) not enabled in the cluster (${enabled.join(',')})`, 'wrong_state');
  return hv;
}

/** Ganeti's order: types of every hypervisor, the hypervisor's own syntax, then no globals. */
function hvparamsOf(op: Record<string, unknown>, cfg: ConfigData, hv: string): Record<string, unknown> {
  const given = forceHvTypes((op.hvparams ?? {}) as Record<string, unknown>);
  checkHvSyntax(hv, {...clusterHv(cfg, hv), ...given});
  checkHvNotGlobal(given);
  return given;
}

function randomMac(cfg: ConfigData, taken: Set<string>): string {
  const prefix = String(cfg.cluster.mac_prefix ?? 'aa:00:00');
  for (let i = 0; i < 1000; i++) {
    const mac = `${prefix}:${[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
    if (!taken.has(mac)) return mac;
  }
  throw opExecError('Cannot generate a unique MAC address');
}

function nicsOf(op: Record<string, unknown>, cfg: ConfigData): NicConfig[] {
  const taken = new Set(Object.values(cfg.instances).flatMap((i) => i.nics.map((n) => n.mac)));
  return (op.nics as Array<Record<string, unknown>>).map((given, idx) => {
    const known = ['mode', 'link', 'ip', 'mac', 'network', 'name', 'vlan'];
    const extra = Object.keys(given).filter((k) => !known.includes(k));
    if (extra.length > 0) throw opPrereqError(`Unknown parameter '${extra[0]}' for NIC ${idx}`, 'wrong_input');
    if (given.network !== undefined && given.network !== null && given.network !== 'none') {
      throw opPrereqError('Networks are not supported by ganeti-ts', 'wrong_input');
    }
    const nicparams: Record<string, unknown> = {};
    if (given.mode !== undefined && given.mode !== null) {
      if (!NIC_MODES.includes(String(given.mode))) throw opPrereqError(`Invalid NIC mode '${String(given.mode)}'`, 'wrong_input');
      nicparams.mode = given.mode;
    }
    if (given.link !== undefined && given.link !== null) nicparams.link = String(given.link);
    if (given.vlan !== undefined && given.vlan !== null) nicparams.vlan = String(given.vlan);
    const nic: NicConfig = {mac: '', uuid: randomUUID(), nicparams};
    const ip = given.ip === undefined || given.ip === null ? 'none' : String(given.ip).toLowerCase();
    if (ip === 'pool') throw opPrereqError('Networks are not supported by ganeti-ts', 'wrong_input');
    if (ip !== 'none') {
      if (isIP(ip) === 0) throw opPrereqError(`Invalid IP address '${String(given.ip)}'`, 'wrong_input');
      nic.ip = ip;
    }
    if ((nicparams.mode ?? 'bridged') === 'routed' && nic.ip === undefined) {
      throw opPrereqError('Routed nic mode requires an ip address', 'wrong_input');
    }
    const mac = given.mac === undefined || given.mac === null ? 'auto' : String(given.mac).toLowerCase();
    if (mac === 'auto' || mac === 'generate') {
      nic.mac = randomMac(cfg, taken);
    } else {
      if (!MAC.test(mac)) throw opPrereqError(`Invalid MAC address specified: ${String(given.mac)}`, 'wrong_input');
      if (taken.has(mac)) throw opPrereqError(`MAC address ${mac} already in use in cluster`, 'resource_not_unique');
      nic.mac = mac;
    }
    taken.add(nic.mac);
    if (typeof given.name === 'string' && given.name !== '' && given.name !== 'none') nic.name = given.name;
    return nic;
  });
}

/** TaggableObject.ValidateTag: a TagError, which the client prints as "invalid tag(s) given". */
function checkTags(tags: unknown[]): void {
  const tagError = (message: string): GanetiError => new GanetiError('TagError', [message]);
  for (const t of tags) {
    if (typeof t !== 'string') throw tagError('Invalid tag type (not a string)');
    if (t.length > 128) throw tagError('Tag too long (>128 characters)');
    if (t === '') throw tagError('Tags cannot be empty');
    if (!/^[\w.+*/:@-]+$/u.test(t)) throw tagError('Tag contains invalid characters');
  }
}

function checkNewName(cfg: ConfigData, name: string): void {
  if (Object.values(cfg.instances).some((i) => i.name === name)) {
    throw opPrereqError(`Instance '${name}' is already in the cluster`, 'already_exists');
  }
}

/** Everything that needs no node: checked both before the locks and again under them. */
async function plan(op: Record<string, unknown>, env: OpEnv, cfg: ConfigData): Promise<Plan> {
  refuseOutOfScope(op);
  const {name} = await checkedName(env, op.instance_name as string, op.name_check as boolean, op.ip_check as boolean);
  checkNewName(cfg, name);
  if (op.os_type === null) throw opPrereqError('No guest OS or OS image specified', 'wrong_input');
  diskTemplate(op, cfg);
  const pnode = targetNode(cfg, op.pnode, op.iallocator);
  const hypervisor = hypervisorOf(op, cfg);
  checkTags(op.tags as unknown[]);
  const hvparams = hvparamsOf(op, cfg, hypervisor);
  const beparams = parseBeparams((op.beparams ?? {}) as Record<string, unknown>, false);
  const be = {...clusterBe(cfg), ...beparams} as FilledBe;
  checkMinMax(be);
  const nics = nicsOf(op, cfg);
  const blacklisted = (cfg.cluster.blacklisted_os ?? []) as string[];
  const os = op.os_type as string;
  if (blacklisted.includes(os.split('+')[0]!)) throw opPrereqError(`Guest OS '${os}' is not allowed for installation`, 'wrong_state');
  return {name, pnode, os, hypervisor, hvparams, beparams, be, nics, start: op.start === true && op.no_install !== true};
}

export const instanceCreate: LogicalUnit = {
  durableStart: true,

  async locks(op, env): Promise<LockRequest[]> {
    const p = await plan(op, env, env.cfg);
    return [
      bglShared(),
      instanceLocks([p.name]),
      {level: 'nodegroup', names: [p.pnode.group], shared: true},
      {level: 'node', names: [p.pnode.uuid], shared: false},
      {level: 'node-res', names: [p.pnode.uuid], shared: false},
    ];
  },

  async exec(op, env): Promise<unknown> {
    const {cluster} = rpcOf(env);
    if (op.no_install === true) info(env, 'No-installation mode selected, disabling startup');
    const cfg = cluster.current();
    const p = await plan(op, env, cfg);
    const {pnode} = p;
    if (pnode.offline) throw opPrereqError(`Cannot use offline primary node '${pnode.name}'`, 'wrong_state');
    if (pnode.drained) throw opPrereqError(`Cannot use drained primary node '${pnode.name}'`, 'wrong_state');
    if (!pnode.vm_capable) throw opPrereqError(`Cannot use non-vm_capable primary node '${pnode.name}'`, 'wrong_state');
    if (op.ignore_ipolicy !== true) checkIpolicy(cfg, pnode, p.be, p.nics.length);
    await callOr(
      env,
      pnode,
      'hypervisor_validate_params',
      [p.hypervisor, {...clusterHv(cfg, p.hypervisor), ...p.hvparams}],
      TMO_NORMAL,
      (m) => opPrereqError(`Hypervisor parameter validation failed on node ${pnode.name}: ${m}`, 'wrong_input'),
    );
    await callOr(env, pnode, 'os_validate', [true, p.os, ['parameters'], op.osparams ?? {}, op.force_variant], TMO_FAST, (m) =>
      opExecError(`OS Parameters validation failed on node ${pnode.name}: ${m}`),
    );
    await checkBridges(env, cfg, pnode, p.nics);
    if (p.start) await checkFreeMemory(env, cfg, pnode, p.hypervisor, p.be.maxmem, `creating instance ${p.name}`);
    const oses = await callOr(env, pnode, 'os_diagnose', [], TMO_FAST, (m) =>
      opPrereqError(`Can't get the list of OSes from node ${pnode.name}: ${m}`, 'environment_error'),
    );
    const base = p.os.split('+')[0];
    if (!Array.isArray(oses) || !oses.some((o) => Array.isArray(o) && o[0] === base)) {
      throw opPrereqError(`OS '${p.os}' is not available in node '${pnode.uuid}'`, 'wrong_input');
    }

    env.feedback('* creating instance disks...');
    env.feedback(`adding instance ${p.name} to cluster config`);
    const now = Date.now() / 1000;
    const inst: InstanceConfig = {
      name: p.name,
      uuid: randomUUID(),
      primary_node: pnode.uuid,
      os: p.os,
      hypervisor: p.hypervisor,
      hvparams: p.hvparams,
      beparams: p.beparams,
      osparams: {},
      osparams_private: {},
      admin_state: p.start ? 'up' : 'down',
      admin_state_source: 'admin',
      nics: p.nics,
      disks: [],
      disks_active: p.start,
      ctime: now,
      mtime: now,
      serial_no: p.start ? 2 : 1,
      // A set in Ganeti: each tag once, listed in order.
      tags: [...new Set(op.tags as string[])].sort(),
    };
    await cluster.updateConfig((next) => {
      checkNewName(next, inst.name);
      if (next.nodes[pnode.uuid] === undefined) throw opExecError(`Node ${pnode.name} disappeared from the configuration`);
      next.instances[inst.uuid] = inst;
    });
    env.feedback('adding disks to cluster config');
    // As Ganeti: once the instance is in the configuration the node locks go (a diskless
    // instance has no disks to wait for), so the start below does not hold up other
    // instances' jobs on this node.
    env.releaseLocks?.('node');
    env.releaseLocks?.('node-res');
    if (p.start) {
      env.feedback('* starting instance...');
      await callOr(env, pnode, 'instance_start', [instanceDict(cluster.current(), inst), false, op.reason], TMO_NORMAL, (m) =>
        opExecError(`Could not start instance: ${m}`),
      );
    }
    return [pnode.name];
  },
};
