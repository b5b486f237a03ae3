// What the gnt-instance commands share: Ganeti's option syntaxes (-B key=value, --net I:k=v),
// the instance selection and job loop of start/stop/reboot (gnt_instance.GenericManyOps with
// cli.JobExecutor), and the `info` text (gnt_instance._FormatInstanceInfo).
import {Flags} from '@oclif/core';
import {GanetiError} from '../protocol/errors.js';
import type {LuxiClient} from '../protocol/client.js';
import {InfoPairs, formatGenericInfo} from './job-info.js';
import {forceHvTypes} from '../config/hv-params.js';
import {SUBMIT_FLAGS} from './debug-jobs.js';
import {CommandFailure, pollJob, writeErr, writeOut} from './luxi-command.js';
import {formatError} from './error-text.js';
import {formatTime, pyStr} from '../format/python.js';
import {EXIT_CONFIRMATION} from '../process/exit-codes.js';
import {askYesNo} from './prompt.js';

export const prereq = (message: string): GanetiError => new GanetiError('OpPrereqError', [message, 'wrong_input']);

/** utils.ParseUnit: a size in MiB, with an optional unit letter (m, g, t). */
export function parseUnit(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([mMgGtT]?)i?[bB]?\s*$/.exec(text);
  if (m === null) throw prereq(`Invalid size '${text}'`);
  const n = Number(m[1]);
  const scale = {'': 1, m: 1, g: 1024, t: 1024 * 1024}[m[2]!.toLowerCase()]!;
  const value = n * scale;
  return Math.ceil(value / 4) * 4 === value || scale === 1 ? Math.ceil(value) : Math.ceil(value / 4) * 4;
}

const BE_SIZES = new Set(['memory', 'minmem', 'maxmem']);
const BE_INTS = new Set(['vcpus', 'spindle_use']);
const BE_BOOLS = new Set(['auto_balance', 'always_failover']);

/** "k=v,k=v" into a dict; "no_k"/"-k" style flags are not used by the options here. */
export function parseKeyValues(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (text === '') return out;
  for (const part of text.split(',')) {
    const i = part.indexOf('=');
    if (i < 0) throw prereq(`Invalid parameter '${part}', expected key=value`);
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

/**
 * optparse "keyval" (cli._SplitKeyVal): k=v pairs, a bare name is true, no_name false and
 * -name null (reset).
 */
export function parseKeyVal(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (text === '') return out;
  for (const part of text.split(',')) {
    const i = part.indexOf('=');
    if (i >= 0) out[part.slice(0, i)] = part.slice(i + 1);
    else if (part.startsWith('no_')) out[part.slice(3)] = false;
    else if (part.startsWith('-') && part.length > 1) out[part.slice(1)] = null;
    else out[part] = true;
  }
  return out;
}

/** add's -H (optparse "identkeyval"): "HV" or "HV:k=v,..."; the parameters type-checked as the client does. */
export function parseHypervisorOption(text: string | undefined): {hypervisor: string | null; hvparams: Record<string, unknown>} {
  if (text === undefined) return {hypervisor: null, hvparams: {}};
  const colon = text.indexOf(':');
  const hypervisor = colon < 0 ? text : text.slice(0, colon);
  return {hypervisor, hvparams: forceHvTypes(colon < 0 ? {} : parseKeyVal(text.slice(colon + 1)))};
}

/** -B as the stock client sends it: sizes in MiB, integers, booleans, "default" kept. */
export function parseBeparams(text: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(parseKeyValues(text ?? ''))) {
    if (v === 'default') out[k] = v;
    else if (BE_SIZES.has(k)) out[k] = parseUnit(v);
    else if (BE_INTS.has(k)) {
      if (!/^\d+$/.test(v)) throw prereq(`Invalid value '${v}' for parameter '${k}'`);
      out[k] = Number(v);
    } else if (BE_BOOLS.has(k)) {
      const lower = v.toLowerCase();
      if (!['true', 'false', 'yes', 'no', '1', '0'].includes(lower)) throw prereq(`Invalid value '${v}' for parameter '${k}'`);
      out[k] = ['true', 'yes', '1'].includes(lower);
    } else {
      throw prereq(`Unknown parameter '${k}'`);
    }
  }
  return out;
}

/** --net I:k=v,... (repeatable) into the NIC list, index order. */
export function parseNics(specs: readonly string[] | undefined, none: boolean): Array<Record<string, unknown>> {
  if (none) {
    if (specs !== undefined && specs.length > 0) throw prereq('Cannot give both --no-nics and --net');
    return [];
  }
  if (specs === undefined || specs.length === 0) return [{}];
  const byIndex = new Map<number, Record<string, unknown>>();
  for (const spec of specs) {
    const colon = spec.indexOf(':');
    const idx = Number(colon < 0 ? spec : spec.slice(0, colon));
    if (!Number.isInteger(idx) || idx < 0) throw prereq(`Invalid NIC index passed: ${spec}`);
    byIndex.set(idx, colon < 0 ? {} : parseKeyValues(spec.slice(colon + 1)));
  }
  const n = Math.max(...byIndex.keys()) + 1;
  return Array.from({length: n}, (_, i) => byIndex.get(i) ?? {});
}

export const MULTI_FLAGS = {
  all: Flags.boolean({description: 'Act on all instances'}),
  primary: Flags.boolean({description: 'Arguments are node names: act on the instances whose primary node they are'}),
  node: Flags.boolean({description: 'Arguments are node names: act on the instances on them (primary or secondary)'}),
  'force-multi': Flags.boolean({description: 'Do not ask for confirmation when acting on several instances'}),
  ...SUBMIT_FLAGS,
};

/** gnt_instance._ExpandMultiNames: the instance names the arguments select. */
export async function selectInstances(
  client: LuxiClient,
  args: readonly string[],
  flags: {all: boolean; primary: boolean; node: boolean},
): Promise<{names: string[]; multi: boolean}> {
  if (flags.all) {
    if (args.length > 0) throw prereq('No arguments expected with --all');
    const rows = await client.call('QueryInstances', [], ['name'], false);
    return {names: (rows as string[][]).map((r) => r[0]!), multi: true};
  }
  if (flags.primary || flags.node) {
    if (args.length === 0) throw prereq('No node names passed');
    const rows = (await client.call('QueryNodes', args, ['pinst_list', 'sinst_list'], false)) as string[][][];
    const names = rows.flatMap((r) => (flags.node ? [...r[0]!, ...r[1]!] : r[0]!));
    return {names: [...new Set(names)], multi: true};
  }
  if (args.length === 0) throw prereq('No instance names passed');
  const rows = (await client.call('QueryInstances', args, ['name'], false)) as string[][];
  const names = rows.map((r) => r[0]!);
  return {names, multi: names.length > 1};
}

/**
 * GenericManyOps: one job per instance (SubmitManyJobs), then each job followed in the order
 * they finish ("Waiting for job N for NAME ..."). Exit status 1 if any failed.
 */
export async function manyOps(
  client: LuxiClient,
  operation: string,
  args: readonly string[],
  flags: {all: boolean; primary: boolean; node: boolean; 'force-multi': boolean; submit: boolean},
  makeOp: (name: string) => Record<string, unknown>,
): Promise<number> {
  const {names, multi} = await selectInstances(client, args, flags);
  if (names.length === 0) {
    // The stock wording, whatever the operation.
    if (flags.all) {
      writeOut('Cluster is empty, no instances to shutdown\n');
      return 0;
    }
    throw prereq('Selection filter does not match any instances');
  }
  if (multi && !flags['force-multi']) {
    const question = `The ${operation} will operate on ${names.length} instances.\nDo you want to continue?`;
    writeOut(`${names.map((n) => `  ${n}`).join('\n')}\n`);
    const answer = await askYesNo(question);
    if (answer === 'no-tty') {
      throw new CommandFailure(
        `Not confirmed: "${question}" needs an answer and standard input is not a terminal. Use --force-multi to ${operation} without confirmation.`,
        EXIT_CONFIRMATION,
      );
    }
    if (!answer) return 1;
  }
  const submitted = await client.submitManyJobs(names.map((n) => [makeOp(n)]));
  const jobs = submitted.map(([ok, id], i) => ({ok, id, name: names[i]!}));
  if (flags.submit) {
    // JobExecutor.WaitOrShow(False): "ID: NAME" per job, failures on stderr.
    for (const j of jobs) {
      if (j.ok) writeOut(`${String(j.id)}: ${j.name}\n`);
      else writeErr(`Failure for ${j.name}: ${String(j.id)}\n`);
    }
    return jobs.every((j) => j.ok) ? 0 : 1;
  }
  if (multi && jobs.some((j) => j.ok))
    writeOut(
      `Submitted jobs ${jobs
        .filter((j) => j.ok)
        .map((j) => String(j.id))
        .join(', ')}\n`,
    );
  let code = 0;
  for (const j of jobs.filter((x) => !x.ok)) {
    writeErr(`Failed to submit job for ${j.name}: ${String(j.id)}\n`);
    code = 1;
  }
  const pending = jobs.filter((j) => j.ok);
  while (pending.length > 0) {
    const statuses = (await client.queryJobs(
      pending.map((j) => j.id as number),
      ['status'],
    )) as Array<[string] | null>;
    let pick = statuses.findIndex((s) => s !== null && ['success', 'error', 'canceled'].includes(s[0]));
    if (pick < 0) pick = 0;
    const [job] = pending.splice(pick, 1);
    writeOut(`Waiting for job ${String(job!.id)} for ${job!.name} ...\n`);
    try {
      await pollJob(client, job!.id as number, {log: writeOut, notChanged: writeErr});
    } catch (err) {
      if (!(err instanceof GanetiError)) throw err;
      writeErr(`Job ${String(job!.id)} for ${job!.name} has failed: ${formatError(err.cls, err.args)}\n`);
      code = 1;
    }
  }
  return code;
}

/** cli.FormatParamsDictInfo: each actual value, "default (X)" where the instance sets none. */
function paramsInfo(own: Record<string, unknown>, actual: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(actual)) out[k] = pyStr(Object.hasOwn(own, k) ? own[k] : `default (${pyStr(v)})`);
  return out;
}

/** The text of `gnt-instance info` for an OP_INSTANCE_QUERY_DATA result. */
export function formatInstanceInfo(result: Record<string, Record<string, unknown>>): string {
  return formatGenericInfo(
    Object.values(result).map((i) => {
      const state = `configured to be ${pyStr(i.config_state)}${i.run_state ? `, actual state is ${pyStr(i.run_state)}` : ''}`;
      const be = {...(i.be_actual as Record<string, unknown>)};
      be.memory = be.maxmem;
      const entries: Array<[string, unknown]> = [
        ['Instance name', i.name],
        ['UUID', i.uuid],
        ['Serial number', pyStr(i.serial_no)],
        ['Creation time', formatTime(i.ctime)],
        ['Modification time', formatTime(i.mtime)],
        ['State', state],
        [
          'Nodes',
          [
            new InfoPairs([
              ['primary', i.pnode],
              ['group', `${pyStr(i.pnode_group_name)} (UUID ${pyStr(i.pnode_group_uuid)})`],
            ]),
            new InfoPairs([['secondaries', '']]),
          ],
        ],
        ['Operating system', i.os],
        ['Operating system parameters', paramsInfo(i.os_instance as Record<string, unknown>, i.os_actual as Record<string, unknown>)],
      ];
      if (Object.hasOwn(i, 'network_port')) entries.push(['Allocated network port', pyStr(i.network_port)]);
      entries.push(
        ['Hypervisor', i.hypervisor],
        ['Hypervisor parameters', paramsInfo(i.hv_instance as Record<string, unknown>, i.hv_actual as Record<string, unknown>)],
        ['Back-end parameters', paramsInfo(i.be_instance as Record<string, unknown>, be)],
        [
          'NICs',
          (i.nics as unknown[][]).map((nic, idx) => {
            const [name, uuid, ip, mac, mode, link, vlan, , netinfo] = nic;
            const network = netinfo !== null && typeof netinfo === 'object' ? (netinfo as Record<string, unknown>).name : null;
            return new InfoPairs([
              [`nic/${idx}`, ''],
              ['MAC', pyStr(mac)],
              ['IP', pyStr(ip)],
              ['mode', pyStr(mode)],
              ['link', pyStr(link)],
              ['vlan', pyStr(vlan)],
              ['network', pyStr(network)],
              ['UUID', pyStr(uuid)],
              ['name', pyStr(name)],
            ]);
          }),
        ],
        ['Disk template', i.disk_template],
        ['Disks', []],
      );
      return new InfoPairs(entries);
    }),
  );
}
