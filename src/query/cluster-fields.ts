// Query fields of the configuration-backed resources: nodes, node groups, locks.
import type {ConfigData, NodeConfig, NodeGroupConfig} from '../config/config.js';
import {DEFAULT_NDPARAMS} from '../config/defaults.js';
import {fieldSet, RS_NODATA, RS_NORMAL, RS_OFFLINE, type Field, type FieldKind} from './fields.js';

export interface NodeItem {
  node: NodeConfig;
  cfg: ConfigData;
}

export interface GroupItem {
  group: NodeGroupConfig;
  cfg: ConfigData;
}

const serialDoc = (what: string): string => `${what} object serial number, incremented on each modification`;

function f<T>(name: string, title: string, kind: FieldKind, doc: string, get: (item: T) => unknown): Field<T> {
  return {name, title, kind, doc, get: (item) => [RS_NORMAL, get(item)]};
}

/**
 * A node's live data (memory, storage, CPUs) comes from its hypervisor and storage, which
 * ganeti-ts does not collect: these fields answer "no data" ("offline" for offline nodes),
 * as Ganeti does for a node that did not answer.
 */
function live(name: string, title: string, kind: FieldKind, doc: string): Field<NodeItem> {
  return {name, title, kind, doc, get: (i) => [i.node.offline ? RS_OFFLINE : RS_NODATA, null]};
}

function nodeRole(item: NodeItem): string {
  const n = item.node;
  if (n.uuid === item.cfg.cluster.master_node) return 'M';
  if (n.master_candidate) return 'C';
  if (n.drained) return 'D';
  if (n.offline) return 'O';
  return 'R';
}

function primaryInstances(item: NodeItem): string[] {
  return Object.values(item.cfg.instances ?? {})
    .filter((inst) => inst.primary_node === item.node.uuid)
    .map((inst) => inst.name)
    .sort(new Intl.Collator('en', {numeric: true}).compare);
}

export const NODE_FIELDS = fieldSet<NodeItem>([
  f('name', 'Node', 'text', 'Node name', (i) => i.node.name),
  f('uuid', 'UUID', 'text', 'Node UUID', (i) => i.node.uuid),
  f('pip', 'PrimaryIP', 'text', 'Primary IP address', (i) => i.node.primary_ip),
  f('sip', 'SecondaryIP', 'text', 'Secondary IP address', (i) => i.node.secondary_ip),
  f('master', 'IsMaster', 'bool', 'Whether node is master', (i) => i.node.uuid === i.cfg.cluster.master_node),
  f('master_candidate', 'MasterC', 'bool', 'Whether node is a master candidate', (i) => i.node.master_candidate),
  f('master_capable', 'MasterCapable', 'bool', 'Whether node can become a master candidate', (i) => i.node.master_capable),
  f('vm_capable', 'VMCapable', 'bool', 'Whether node can host instances', (i) => i.node.vm_capable),
  f('offline', 'Offline', 'bool', 'Whether node is marked offline', (i) => i.node.offline),
  f('drained', 'Drained', 'bool', 'Whether node is drained', (i) => i.node.drained),
  f(
    'role',
    'Role',
    'text',
    'Node role; "M" for master, "C" for master candidate, "R" for regular, "D" for drained, "O" for offline',
    nodeRole,
  ),
  f('group', 'Group', 'text', 'Node group', (i) => i.cfg.nodegroups[i.node.group]?.name ?? i.node.group),
  f('group.uuid', 'GroupUUID', 'text', 'UUID of node group', (i) => i.node.group),
  f('pinst_cnt', 'Pinst', 'number', 'Number of instances with this node as primary', (i) => primaryInstances(i).length),
  f('pinst_list', 'PriInstances', 'other', 'List of instances with this node as primary', primaryInstances),
  f('sinst_cnt', 'Sinst', 'number', 'Number of instances with this node as secondary', () => 0),
  f('sinst_list', 'SecInstances', 'other', 'List of instances with this node as secondary', () => []),
  f('tags', 'Tags', 'other', 'Tags', (i) => [...(i.node.tags ?? [])]),
  f('serial_no', 'SerialNo', 'number', serialDoc('Node'), (i) => i.node.serial_no),
  f('ctime', 'CTime', 'timestamp', 'Creation timestamp', (i) => i.node.ctime),
  f('mtime', 'MTime', 'timestamp', 'Modification timestamp', (i) => i.node.mtime),
  live('bootid', 'BootID', 'text', 'Random UUID renewed for each system reboot, can be used for detecting reboots by tracking changes'),
  live('cnodes', 'CNodes', 'number', 'Number of NUMA domains on node (if exported by hypervisor)'),
  live('cnos', 'CNOs', 'number', 'Number of logical processors used by the node OS (dom0 for Xen)'),
  live('csockets', 'CSockets', 'number', 'Number of physical CPU sockets (if exported by hypervisor)'),
  live('ctotal', 'CTotal', 'number', 'Number of logical processors'),
  live('dfree', 'DFree', 'unit', 'Available storage space in storage unit'),
  live('dtotal', 'DTotal', 'unit', 'Total storage space in storage unit used for instance disk allocation'),
  live('spfree', 'SpFree', 'number', 'Available spindles in volume group (exclusive storage only)'),
  live('sptotal', 'SpTotal', 'number', 'Total spindles in volume group (exclusive storage only)'),
  live('mfree', 'MFree', 'unit', 'Memory available for instance allocations'),
  live('mnode', 'MNode', 'unit', 'Amount of memory used by node (dom0 for Xen)'),
  live('mtotal', 'MTotal', 'unit', 'Total amount of memory of physical machine'),
]);

function groupInstances(item: GroupItem): string[] {
  const members = new Set(
    Object.values(item.cfg.nodes)
      .filter((n) => n.group === item.group.uuid)
      .map((n) => n.uuid),
  );
  return Object.values(item.cfg.instances ?? {})
    .map((inst) => inst as {name?: unknown; primary_node?: unknown})
    .filter((inst) => typeof inst.primary_node === 'string' && members.has(inst.primary_node))
    .map((inst) => String(inst.name))
    .sort(new Intl.Collator('en', {numeric: true}).compare);
}

function groupNdparams(item: GroupItem): Record<string, unknown> {
  const cluster = (item.cfg.cluster.ndparams as Record<string, unknown> | undefined) ?? DEFAULT_NDPARAMS;
  return {...DEFAULT_NDPARAMS, ...cluster, ...((item.group.ndparams as Record<string, unknown> | undefined) ?? {})};
}

function groupNodes(item: GroupItem): string[] {
  return Object.values(item.cfg.nodes)
    .filter((n) => n.group === item.group.uuid)
    .map((n) => n.name)
    .sort(new Intl.Collator('en', {numeric: true}).compare);
}

export const GROUP_FIELDS = fieldSet<GroupItem>([
  f('name', 'Group', 'text', 'Group name', (i) => i.group.name),
  f('uuid', 'UUID', 'text', 'Group UUID', (i) => i.group.uuid),
  f('alloc_policy', 'AllocPolicy', 'text', 'Allocation policy for group', (i) => i.group.alloc_policy),
  f('node_cnt', 'Nodes', 'number', 'Number of nodes', (i) => groupNodes(i).length),
  f('node_list', 'NodeList', 'other', 'List of nodes', groupNodes),
  f('pinst_cnt', 'Instances', 'number', 'Number of primary instances', (i) => groupInstances(i).length),
  f('pinst_list', 'InstanceList', 'other', 'List of primary instances', groupInstances),
  f('ndparams', 'NDParams', 'other', 'Node parameters', groupNdparams),
  f('custom_ndparams', 'CustomNDParams', 'other', 'Custom node parameters', (i) => i.group.ndparams ?? {}),
  f('tags', 'Tags', 'other', 'Tags', (i) => [...(i.group.tags ?? [])]),
  f('serial_no', 'SerialNo', 'number', serialDoc('Group'), (i) => i.group.serial_no),
  f('ctime', 'CTime', 'timestamp', 'Creation timestamp', (i) => i.group.ctime),
  f('mtime', 'MTime', 'timestamp', 'Modification timestamp', (i) => i.group.mtime),
]);

/** One lock as the locks query reports it. */
export interface LockRow {
  name: string;
  mode: 'shared' | 'exclusive' | null;
  owner: string[] | null;
  pending: Array<[string, string[]]>;
}

export const LOCK_FIELDS = fieldSet<LockRow>([
  f('name', 'Name', 'other', 'Lock name', (l) => l.name),
  f('mode', 'Mode', 'other', 'Mode in which the lock is currently acquired (exclusive or shared)', (l) => l.mode),
  f('owner', 'Owner', 'other', 'Current lock owner(s)', (l) => l.owner),
  f('pending', 'Pending', 'other', 'Jobs waiting for the lock', (l) => l.pending),
]);

/** Resources the 3.0 client may query that ganeti-ts has no items of. */
export const EMPTY_RESOURCES: Record<string, Array<Field<never>>> = {
  network: [
    {name: 'name', title: 'Network', kind: 'text', doc: 'Name', get: () => [RS_NORMAL, null]},
    {name: 'uuid', title: 'UUID', kind: 'text', doc: 'Network UUID', get: () => [RS_NORMAL, null]},
  ],
  export: [
    {name: 'node', title: 'Node', kind: 'text', doc: 'Node name', get: () => [RS_NORMAL, null]},
    {name: 'export', title: 'Export', kind: 'text', doc: 'Export name', get: () => [RS_NORMAL, null]},
  ],
};
