// Ganeti's cluster-level parameter defaults, used where the configuration has no value of
// its own (stock `gnt-cluster info` needs, for one, a complete instance policy).
export const DEFAULT_NDPARAMS = {
  cpu_speed: 1.0,
  exclusive_storage: false,
  oob_program: '',
  ovs: false,
  ovs_link: '',
  ovs_name: 'switch1',
  spindle_count: 1,
  ssh_port: 22,
};
export const DEFAULT_BEPARAMS = {default: {always_failover: false, auto_balance: true, maxmem: 128, minmem: 128, spindle_use: 1, vcpus: 1}};
export const DEFAULT_NICPARAMS = {default: {link: 'xen-br0', mode: 'bridged', vlan: ''}};
export const DEFAULT_HVPARAMS = {fake: {migration_mode: 'live'}};
export const DEFAULT_IPOLICY = {
  minmax: [
    {
      min: {'cpu-count': 1, 'disk-count': 1, 'disk-size': 1024, 'memory-size': 128, 'nic-count': 1, 'spindle-use': 1},
      max: {'cpu-count': 8, 'disk-count': 16, 'disk-size': 1048576, 'memory-size': 32768, 'nic-count': 8, 'spindle-use': 12},
    },
  ],
  std: {'cpu-count': 1, 'disk-count': 1, 'disk-size': 1024, 'memory-size': 128, 'nic-count': 1, 'spindle-use': 1},
  'disk-templates': ['blockdev', 'diskless', 'drbd', 'ext', 'file', 'gluster', 'plain', 'rbd', 'sharedfile'],
  'vcpu-ratio': 4.0,
  'spindle-ratio': 32.0,
};
