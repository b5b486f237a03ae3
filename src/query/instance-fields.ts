// Query fields of instances (Ganeti 3.0's 292 names, titles and kinds): configuration fields
// plus the live ones (oper_*, status) from the primary nodes' all_instances_info.
import type {ConfigData, InstanceConfig, NicConfig} from '../config/config.js';
import {fieldSet, RS_NODATA, RS_NORMAL, RS_OFFLINE, RS_UNAVAIL, type Field, type FieldKind, type QueryValue} from './fields.js';

export interface HvInfo {
  memory: number;
  vcpus: number;
}

/** What the node daemons said about an instance, when live data was asked for. */
export type LiveView =
  | {kind: 'none'}
  | {kind: 'offline'}
  | {kind: 'nodedown'}
  | {kind: 'running'; info: HvInfo; wrongNode: boolean}
  | {kind: 'stopped'};

export interface InstanceItem {
  inst: InstanceConfig;
  cfg: ConfigData;
  live: LiveView;
}

/** Fields whose value comes from the nodes. */
export const LIVE_FIELDS = new Set(['oper_state', 'oper_ram', 'oper_vcpus', 'status']);

const HV_FIELDS: Array<[string, string | null, FieldKind]> = [
  ['acpi', 'ACPI', 'bool'],
  ['blockdev_prefix', null, 'other'],
  ['boot_order', 'Boot_order', 'other'],
  ['bootloader_args', null, 'other'],
  ['bootloader_path', null, 'other'],
  ['cdrom2_image_path', null, 'other'],
  ['cdrom_disk_type', null, 'other'],
  ['cdrom_image_path', 'CDROM_image_path', 'other'],
  ['cpu_cap', null, 'number'],
  ['cpu_cores', null, 'number'],
  ['cpu_mask', null, 'other'],
  ['cpu_sockets', null, 'number'],
  ['cpu_threads', null, 'number'],
  ['cpu_type', 'cpu_type', 'other'],
  ['cpu_weight', null, 'number'],
  ['cpuid', null, 'other'],
  ['device_model', null, 'other'],
  ['devices', null, 'other'],
  ['disk_aio', null, 'other'],
  ['disk_cache', null, 'other'],
  ['disk_discard', null, 'other'],
  ['disk_type', 'Disk_type', 'other'],
  ['drop_capabilities', null, 'other'],
  ['extra_cgroups', null, 'other'],
  ['extra_config', null, 'other'],
  ['floppy_image_path', null, 'other'],
  ['init_script', null, 'other'],
  ['initrd_path', 'Initrd_path', 'other'],
  ['kernel_args', null, 'other'],
  ['kernel_path', 'Kernel_path', 'other'],
  ['keymap', null, 'other'],
  ['kvm_extra', null, 'other'],
  ['kvm_flag', null, 'other'],
  ['kvm_path', null, 'other'],
  ['kvm_pci_reservations', null, 'number'],
  ['machine_version', null, 'other'],
  ['mem_path', null, 'other'],
  ['migration_caps', null, 'other'],
  ['migration_downtime', null, 'number'],
  ['nic_type', 'NIC_type', 'other'],
  ['num_ttys', null, 'number'],
  ['pae', 'PAE', 'bool'],
  ['pci_pass', 'pci_pass', 'other'],
  ['reboot_behavior', null, 'other'],
  ['root_path', null, 'other'],
  ['scsi_controller_type', null, 'other'],
  ['security_domain', null, 'other'],
  ['security_model', null, 'other'],
  ['serial_console', null, 'bool'],
  ['serial_speed', null, 'number'],
  ['soundhw', null, 'other'],
  ['spice_bind', null, 'other'],
  ['spice_image_compression', null, 'other'],
  ['spice_ip_version', null, 'number'],
  ['spice_jpeg_wan_compression', null, 'other'],
  ['spice_password_file', null, 'other'],
  ['spice_playback_compression', null, 'bool'],
  ['spice_streaming_video', null, 'other'],
  ['spice_tls_ciphers', null, 'other'],
  ['spice_use_tls', null, 'bool'],
  ['spice_use_vdagent', null, 'bool'],
  ['spice_zlib_glz_wan_compression', null, 'other'],
  ['startup_timeout', null, 'number'],
  ['usb_devices', null, 'other'],
  ['usb_mouse', null, 'other'],
  ['use_bootloader', null, 'bool'],
  ['use_chroot', null, 'bool'],
  ['use_guest_agent', null, 'bool'],
  ['use_localtime', null, 'bool'],
  ['user_shutdown', null, 'bool'],
  ['vga', null, 'other'],
  ['vhost_net', null, 'bool'],
  ['vif_script', null, 'other'],
  ['vif_type', null, 'other'],
  ['viridian', null, 'bool'],
  ['virtio_net_queues', null, 'number'],
  ['vnc_bind_address', 'VNC_bind_address', 'other'],
  ['vnc_password_file', null, 'other'],
  ['vnc_tls', null, 'bool'],
  ['vnc_x509_path', null, 'other'],
  ['vnc_x509_verify', null, 'bool'],
  ['vnet_hdr', null, 'bool'],
];

const BE_FIELDS: Array<[string, string, FieldKind]> = [
  ['always_failover', 'be/always_failover', 'bool'],
  ['auto_balance', 'Auto_balance', 'bool'],
  ['maxmem', 'ConfigMaxMem', 'unit'],
  ['memory', 'ConfigMaxMem', 'unit'],
  ['minmem', 'ConfigMinMem', 'unit'],
  ['spindle_use', 'be/spindle_use', 'number'],
  ['vcpus', 'ConfigVCPUs', 'number'],
];

const ok = (v: unknown): QueryValue => [RS_NORMAL, v];
const UNAVAIL: QueryValue = [RS_UNAVAIL, null];

function f(name: string, title: string, kind: FieldKind, doc: string, get: (i: InstanceItem) => QueryValue): Field<InstanceItem> {
  return {name, title, kind, doc, get};
}

function c(name: string, title: string, kind: FieldKind, doc: string, get: (i: InstanceItem) => unknown): Field<InstanceItem> {
  return f(name, title, kind, doc, (i) => ok(get(i)));
}

function filledBe(i: InstanceItem): Record<string, unknown> {
  const defaults = ((i.cfg.cluster.beparams ?? {}) as Record<string, Record<string, unknown>>).default ?? {};
  return {...defaults, ...i.inst.beparams};
}

function filledHv(i: InstanceItem): Record<string, unknown> {
  const all = (i.cfg.cluster.hvparams ?? {}) as Record<string, Record<string, unknown>>;
  return {...all[i.inst.hypervisor], ...i.inst.hvparams};
}

function nicParams(i: InstanceItem, nic: NicConfig): {mode: string; link: string; vlan: string} {
  const defaults = ((i.cfg.cluster.nicparams ?? {}) as Record<string, Record<string, unknown>>).default ?? {};
  const p = {...defaults, ...nic.nicparams};
  return {mode: String(p.mode ?? ''), link: String(p.link ?? ''), vlan: String(p.vlan ?? '')};
}

function bridgeOf(i: InstanceItem, nic: NicConfig): string | null {
  const p = nicParams(i, nic);
  return p.mode === 'bridged' ? p.link : null;
}

function nodeName(i: InstanceItem, uuid: string): string {
  return i.cfg.nodes[uuid]?.name ?? uuid;
}

function pnodeGroup(i: InstanceItem): {uuid: string; name: string} | null {
  const node = i.cfg.nodes[i.inst.primary_node];
  if (node === undefined) return null;
  return {uuid: node.group, name: i.cfg.nodegroups[node.group]?.name ?? node.group};
}

/** Ganeti's instance status from the configuration and the nodes' answer. */
function status(i: InstanceItem): QueryValue {
  const l = i.live;
  const admin = i.inst.admin_state;
  switch (l.kind) {
    case 'none':
      return [RS_NODATA, null];
    case 'offline':
      return ok('ERROR_nodeoffline');
    case 'nodedown':
      return ok('ERROR_nodedown');
    case 'running':
      if (l.wrongNode) return ok('ERROR_wrongnode');
      return ok(admin === 'up' ? 'running' : 'ERROR_up');
    case 'stopped':
      if (admin === 'up')
        return ok(i.inst.admin_state_source === 'user' && i.cfg.cluster.enabled_user_shutdown === true ? 'USER_down' : 'ERROR_down');
      return ok(admin === 'offline' ? 'ADMIN_offline' : 'ADMIN_down');
  }
}

function operValue(i: InstanceItem, get: (info: HvInfo) => unknown): QueryValue {
  switch (i.live.kind) {
    case 'running':
      return ok(get(i.live.info));
    case 'stopped':
      return UNAVAIL;
    case 'offline':
      return [RS_OFFLINE, null];
    default:
      return [RS_NODATA, null];
  }
}

function operState(i: InstanceItem): QueryValue {
  switch (i.live.kind) {
    case 'running':
      return ok(true);
    case 'stopped':
      return ok(false);
    case 'offline':
      return [RS_OFFLINE, null];
    default:
      return [RS_NODATA, null];
  }
}

function nicField(
  name: string,
  title: string,
  listTitle: string,
  listName: string,
  doc: string,
  get: (i: InstanceItem, nic: NicConfig) => unknown,
): Array<Field<InstanceItem>> {
  const fields: Array<Field<InstanceItem>> = [
    c(listName, listTitle, 'other', `List containing each network interface's ${doc}`, (i) => i.inst.nics.map((n) => get(i, n))),
  ];
  for (let n = 0; n < 8; n++) {
    fields.push(
      f(`nic.${name}/${n}`, `${title}/${n}`, 'text', `${doc[0]!.toUpperCase()}${doc.slice(1)} of ${ordinal(n)} network interface`, (i) => {
        const nic = i.inst.nics[n];
        return nic === undefined ? UNAVAIL : ok(get(i, nic));
      }),
    );
  }
  return fields;
}

function ordinal(n: number): string {
  const words = ['1st', '2nd', '3rd'];
  return words[n] ?? `${n + 1}th`;
}

function diskFields(): Array<Field<InstanceItem>> {
  const out: Array<Field<InstanceItem>> = [
    c('disk.count', 'Disks', 'number', 'Number of disks', () => 0),
    c('disk.names', 'Disk_names', 'other', 'List of disk names', () => []),
    c('disk.sizes', 'Disk_sizes', 'other', 'List of disk sizes', () => []),
    c('disk.spindles', 'Disk_spindles', 'other', 'List of disk spindles', () => []),
    c('disk.uuids', 'Disk_UUIDs', 'other', 'List of disk UUIDs', () => []),
    f('sda_size', 'Disk/0', 'unit', 'Disk size of 1st disk', () => UNAVAIL),
    f('sdb_size', 'Disk/1', 'unit', 'Disk size of 2nd disk', () => UNAVAIL),
  ];
  for (let n = 0; n < 16; n++) {
    out.push(
      f(`disk.name/${n}`, `DiskName/${n}`, 'text', `Name of ${ordinal(n)} disk`, () => UNAVAIL),
      f(`disk.size/${n}`, `Disk/${n}`, 'unit', `Disk size of ${ordinal(n)} disk`, () => UNAVAIL),
      f(`disk.spindles/${n}`, `DiskSpindles/${n}`, 'number', `Spindles of ${ordinal(n)} disk`, () => UNAVAIL),
      f(`disk.uuid/${n}`, `DiskUUID/${n}`, 'text', `UUID of ${ordinal(n)} disk`, () => UNAVAIL),
    );
  }
  return out;
}

function firstNic(get: (i: InstanceItem, nic: NicConfig) => unknown): (i: InstanceItem) => QueryValue {
  return (i) => {
    const nic = i.inst.nics[0];
    return nic === undefined ? UNAVAIL : ok(get(i, nic));
  };
}

export const INSTANCE_FIELDS = fieldSet<InstanceItem>([
  c('name', 'Instance', 'text', 'Instance name', (i) => i.inst.name),
  c('uuid', 'UUID', 'text', 'Instance UUID', (i) => i.inst.uuid),
  c('admin_state', 'InstanceState', 'text', 'Desired state of the instance', (i) => i.inst.admin_state),
  c(
    'admin_state_source',
    'InstanceStateSource',
    'text',
    'Who last changed the desired state of the instance',
    (i) => i.inst.admin_state_source,
  ),
  c('admin_up', 'Autostart', 'bool', 'Desired state of the instance', (i) => i.inst.admin_state === 'up'),
  ...BE_FIELDS.map(([key, title, kind]) =>
    c(`be/${key}`, title, kind, `The "${key}" backend parameter`, (i) => filledBe(i)[key === 'memory' ? 'maxmem' : key]),
  ),
  c('beparams', 'BackendParameters', 'other', 'Backend parameters (merged)', filledBe),
  f('bridge', 'NicBridge/0', 'text', 'Bridge of 1st network interface', firstNic(bridgeOf)),
  c('console', 'Console', 'other', 'Instance console information', (i) => ({
    instance: i.inst.name,
    kind: 'msg',
    message: 'Console not available for fake hypervisor',
  })),
  c('ctime', 'CTime', 'timestamp', 'Creation timestamp', (i) => i.inst.ctime),
  c('mtime', 'MTime', 'timestamp', 'Modification timestamp', (i) => i.inst.mtime),
  c('custom_beparams', 'CustomBackendParameters', 'other', 'Custom backend parameters', (i) => ({...i.inst.beparams})),
  c('custom_hvparams', 'CustomHypervisorParameters', 'other', 'Custom hypervisor parameters', (i) => ({...i.inst.hvparams})),
  c('custom_nicparams', 'CustomNicParameters', 'other', 'Custom network interface parameters', (i) =>
    i.inst.nics.map((n) => ({...n.nicparams})),
  ),
  c('custom_osparams', 'CustomOpSysParameters', 'other', 'Custom operating system parameters', (i) => ({...i.inst.osparams})),
  ...diskFields(),
  c('disk_template', 'Disk_template', 'text', 'Instance disk template', () => 'diskless'),
  c(
    'disk_usage',
    'DiskUsage',
    'unit',
    'Total disk space used by instance on each of its nodes; this is not the disk size visible to the instance, but the usage on the node',
    () => 0,
  ),
  c('disks_active', 'DisksActive', 'bool', 'Desired state of the instance disks', (i) => i.inst.disks_active),
  c('forthcoming', 'Forthcoming', 'bool', 'Whether the instance is forthcoming', () => false),
  ...HV_FIELDS.map(([key, title, kind]) =>
    f(`hv/${key}`, title ?? `hv/${key}`, kind, `The "${key}" hypervisor parameter`, (i) => {
      const hv = filledHv(i);
      return Object.hasOwn(hv, key) ? ok(hv[key]) : UNAVAIL;
    }),
  ),
  c('hvparams', 'HypervisorParameters', 'other', 'Hypervisor parameters (merged)', filledHv),
  c('hypervisor', 'Hypervisor', 'text', 'Hypervisor name', (i) => i.inst.hypervisor),
  f(
    'ip',
    'NicIP/0',
    'text',
    'IP address of 1st network interface',
    firstNic((_i, n) => n.ip ?? null),
  ),
  f(
    'mac',
    'NicMAC/0',
    'text',
    'MAC address of 1st network interface',
    firstNic((_i, n) => n.mac),
  ),
  f(
    'nic_link',
    'NicLink/0',
    'text',
    'Link of 1st network interface',
    firstNic((i, n) => nicParams(i, n).link),
  ),
  f(
    'nic_mode',
    'NicMode/0',
    'text',
    'Mode of 1st network interface',
    firstNic((i, n) => nicParams(i, n).mode),
  ),
  f(
    'nic_network',
    'NicNetwork/0',
    'text',
    'Network of 1st network interface',
    firstNic((_i, n) => n.network ?? null),
  ),
  c('nic.count', 'NICs', 'number', 'Number of network interfaces', (i) => i.inst.nics.length),
  ...nicField('bridge', 'NicBridge', 'NIC_bridges', 'nic.bridges', 'bridge', bridgeOf),
  ...nicField('ip', 'NicIP', 'NIC_IPs', 'nic.ips', 'IP address', (_i, n) => n.ip ?? null),
  ...nicField('link', 'NicLink', 'NIC_links', 'nic.links', 'link', (i, n) => nicParams(i, n).link),
  ...nicField('mac', 'NicMAC', 'NIC_MACs', 'nic.macs', 'MAC address', (_i, n) => n.mac),
  ...nicField('mode', 'NicMode', 'NIC_modes', 'nic.modes', 'mode', (i, n) => nicParams(i, n).mode),
  ...nicField('name', 'NicName', 'NIC_Names', 'nic.names', 'name', (_i, n) => n.name ?? null),
  ...nicField('network', 'NicNetwork', 'NIC_networks', 'nic.networks', 'network', (_i, n) => n.network ?? null),
  ...nicField('network.name', 'NicNetworkName', 'NIC_networks_names', 'nic.networks.names', 'network name', () => null),
  ...nicField('uuid', 'NicUUID', 'NIC_UUIDs', 'nic.uuids', 'UUID', (_i, n) => n.uuid),
  ...nicField('vlan', 'NicVLAN', 'NIC_VLANs', 'nic.vlans', 'VLAN', (i, n) => nicParams(i, n).vlan),
  f('network_port', 'Network_port', 'other', 'Instance network port if available (e.g. for VNC console)', (i) =>
    i.inst.network_port === undefined ? UNAVAIL : ok(i.inst.network_port),
  ),
  f('oper_ram', 'Memory', 'unit', 'Actual memory usage as seen by hypervisor', (i) => operValue(i, (h) => h.memory)),
  f('oper_state', 'Running', 'bool', 'Actual state of instance', operState),
  f('oper_vcpus', 'VCPUs', 'number', 'Actual number of VCPUs as seen by hypervisor', (i) => operValue(i, (h) => h.vcpus)),
  c('os', 'OS', 'text', 'Operating system', (i) => i.inst.os),
  c('osparams', 'OpSysParameters', 'other', 'Operating system parameters (merged)', (i) => ({...i.inst.osparams})),
  c('pnode', 'Primary_node', 'text', 'Primary node', (i) => nodeName(i, i.inst.primary_node)),
  c('pnode.group', 'PrimaryNodeGroup', 'text', "Primary node's group", (i) => pnodeGroup(i)?.name ?? null),
  c('pnode.group.uuid', 'PrimaryNodeGroupUUID', 'text', "Primary node's group UUID", (i) => pnodeGroup(i)?.uuid ?? null),
  c('serial_no', 'SerialNo', 'number', 'Instance object serial number, incremented on each modification', (i) => i.inst.serial_no),
  c('snodes', 'Secondary_Nodes', 'other', 'Secondary nodes; usually this will just be one node', () => []),
  c('snodes.group', 'SecondaryNodesGroups', 'other', 'Node groups of secondary nodes', () => []),
  c('snodes.group.uuid', 'SecondaryNodesGroupsUUID', 'other', 'Node group UUIDs of secondary nodes', () => []),
  f(
    'status',
    'Status',
    'text',
    'Instance status; "running" if instance is set to be running and actually is, "ADMIN_down" if instance is stopped and is not running, "ERROR_wrongnode" if instance running, but not on its designated primary node, "ERROR_up" if instance should be stopped, but is actually running, "ERROR_down" if instance should run, but doesn\'t, "ERROR_nodedown" if instance\'s primary node is down, "ERROR_nodeoffline" if instance\'s primary node is marked offline, "ADMIN_offline" if instance is offline and does not use dynamic resources',
    status,
  ),
  c('tags', 'Tags', 'other', 'Tags', (i) => [...i.inst.tags]),
  c('vcpus', 'ConfigVCPUs', 'number', 'The "vcpus" backend parameter', (i) => filledBe(i).vcpus),
]);
