// Hypervisor parameters as Ganeti checks them: the names and types every hypervisor knows
// (constants.HVS_PARAMETER_TYPES, which the client and the master enforce with
// utils.ForceDictType), the global ones no instance may set (HVC_GLOBALS), and the fake
// hypervisor's own syntax check (its only parameter is migration_mode). See docs/instances.md.
import {GanetiError} from '../protocol/errors.js';

type HvType = 'string' | 'maybe-string' | 'bool' | 'int';

const S: HvType = 'string';
const B: HvType = 'bool';
const I: HvType = 'int';

export const HV_PARAMETER_TYPES: Readonly<Record<string, HvType>> = {
  acpi: B,
  blockdev_prefix: S,
  boot_order: S,
  bootloader_args: S,
  bootloader_path: S,
  cdrom2_image_path: S,
  cdrom_disk_type: S,
  cdrom_image_path: S,
  cpu_cap: I,
  cpu_cores: I,
  cpu_mask: S,
  cpu_sockets: I,
  cpu_threads: I,
  cpu_type: S,
  cpu_weight: I,
  cpuid: S,
  device_model: S,
  devices: S,
  disk_aio: S,
  disk_cache: S,
  disk_discard: S,
  disk_type: S,
  drop_capabilities: S,
  extra_cgroups: S,
  extra_config: S,
  floppy_image_path: S,
  init_script: S,
  initrd_path: S,
  kernel_args: S,
  kernel_path: S,
  keymap: S,
  kvm_extra: S,
  kvm_flag: S,
  kvm_path: S,
  kvm_pci_reservations: I,
  machine_version: S,
  mem_path: S,
  migration_bandwidth: I,
  migration_caps: S,
  migration_downtime: I,
  migration_mode: S,
  migration_port: I,
  nic_type: S,
  num_ttys: I,
  pae: B,
  pci_pass: S,
  reboot_behavior: S,
  root_path: 'maybe-string',
  scsi_controller_type: S,
  security_domain: S,
  security_model: S,
  serial_console: B,
  serial_speed: I,
  soundhw: S,
  spice_bind: S,
  spice_image_compression: S,
  spice_ip_version: I,
  spice_jpeg_wan_compression: S,
  spice_password_file: S,
  spice_playback_compression: B,
  spice_streaming_video: S,
  spice_tls_ciphers: S,
  spice_use_tls: B,
  spice_use_vdagent: B,
  spice_zlib_glz_wan_compression: S,
  startup_timeout: I,
  usb_devices: S,
  usb_mouse: S,
  use_bootloader: B,
  use_chroot: B,
  use_guest_agent: B,
  use_localtime: B,
  user_shutdown: B,
  vga: S,
  vhost_net: B,
  vif_script: S,
  vif_type: S,
  viridian: B,
  virtio_net_queues: I,
  vnc_bind_address: S,
  vnc_password_file: S,
  vnc_tls: B,
  vnc_x509_path: S,
  vnc_x509_verify: B,
  vnet_hdr: B,
  xen_cmd: S,
};

/** Parameters only the cluster may set (HVC_GLOBALS). */
export const HV_GLOBALS: ReadonlySet<string> = new Set(['migration_bandwidth', 'migration_mode', 'migration_port', 'xen_cmd']);

const typeError = (message: string): GanetiError => new GanetiError('TypeEnforcementError', [message]);

/**
 * utils.ForceDictType over the hypervisor parameter types: unknown names refused, values
 * converted (booleans from "true"/"false", integers from text). `allowed` values pass as they
 * are ("default" in modify).
 */
export function forceHvTypes(params: Record<string, unknown>, allowed: readonly unknown[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    const type = HV_PARAMETER_TYPES[key];
    if (type === undefined) throw typeError(`Unknown parameter '${key}'`);
    out[key] = value;
    if (allowed.includes(value)) continue;
    if (type === 'string' || type === 'maybe-string') {
      if (value === null && type === 'maybe-string') continue;
      if (typeof value !== 'string') {
        if (value === false) out[key] = '';
        else throw typeError(`'${key}' (value ${String(value)}) is not a valid string`);
      }
    } else if (type === 'bool') {
      if (typeof value === 'string' && value !== '') {
        if (value.toLowerCase() === 'false') out[key] = false;
        else if (value.toLowerCase() === 'true') out[key] = true;
        else throw typeError(`'${key}' (value ${value}) is not a valid boolean`);
      } else out[key] = Boolean(value);
    } else {
      const n =
        typeof value === 'number' ? value : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number.parseInt(value, 10) : NaN;
      if (!Number.isInteger(n)) throw typeError(`'${key}' (value ${String(value)}) is not a valid integer`);
      out[key] = n;
    }
  }
  return out;
}

const hvError = (message: string): GanetiError => new GanetiError('HypervisorError', [message]);

/** The fake hypervisor's CheckParameterSyntax on a filled parameter dict. */
export function checkFakeHvSyntax(filled: Record<string, unknown>): void {
  for (const key of Object.keys(filled)) if (key !== 'migration_mode') throw hvError(`Parameter '${key}' is not supported`);
  if (!Object.hasOwn(filled, 'migration_mode')) throw hvError("Parameter 'migration_mode' is missing");
  const mode = filled.migration_mode;
  if (mode === null || mode === '') throw hvError("Parameter 'migration_mode' is required but is currently not defined");
  if (mode !== 'live' && mode !== 'non-live') {
    throw hvError(`Parameter 'migration_mode' fails syntax check: invalid migration mode (current value: '${String(mode)}')`);
  }
}

/** CheckParamsNotGlobal for hypervisor parameters given at instance level. */
export function checkHvNotGlobal(params: Record<string, unknown>): void {
  const used = Object.keys(params).filter((k) => HV_GLOBALS.has(k));
  if (used.length > 0) {
    throw new GanetiError('OpPrereqError', [
      `The following hypervisor parameters are global and cannot be customized at instance level, please modify them at cluster level: ${used.join(', ')}`,
      'wrong_input',
    ]);
  }
}
