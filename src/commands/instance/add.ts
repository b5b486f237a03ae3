import {Args, Flags} from '@oclif/core';
import {SUBMIT_FLAGS, submitOrSend} from '../../cli/debug-jobs.js';
import {parseBeparams, parseHypervisorOption, parseNics, prereq} from '../../cli/instance-cli.js';
import {checkArgCount, LuxiCommand, writeOut} from '../../cli/luxi-command.js';
import {extendReasonTrail} from '../../cli/reason-trail.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

export default class InstanceAdd extends LuxiCommand {
  static override summary = 'Create an instance (OP_INSTANCE_CREATE): diskless, on the fake hypervisor';
  static override usage =
    'instance add -t diskless -o OS -n NODE [--net I:mode=M,link=L ...] [--no-nics] [-B k=v,...] [-H HV[:k=v,...]] [--no-start] [--no-install] ' +
    '[--no-name-check] [--no-ip-check] [--tags T,...] [--submit] [--print-jobid] NAME';
  static override args = {name: Args.string({description: 'Name of the new instance', ignoreStdin: true})};
  static override flags = {
    ...SUBMIT_FLAGS,
    'disk-template': Flags.string({char: 't', description: 'Disk template (diskless)'}),
    os: Flags.string({char: 'o', description: 'Operating system ("noop", built into every node daemon)'}),
    node: Flags.string({char: 'n', description: 'Primary node'}),
    iallocator: Flags.string({char: 'I', description: 'Instance allocator (ganeti-ts has none)'}),
    net: Flags.string({description: 'NIC definition I:mode=M,link=L,ip=A,mac=M,name=N,vlan=V', multiple: true}),
    'no-nics': Flags.boolean({description: 'Create the instance without network interfaces'}),
    'backend-parameters': Flags.string({char: 'B', description: 'Backend parameters: maxmem, minmem, memory, vcpus, ...'}),
    'hypervisor-parameters': Flags.string({char: 'H', description: 'Hypervisor and its parameters: HV[:k=v,...]'}),
    'no-start': Flags.boolean({description: "Don't start the instance after creation"}),
    'no-install': Flags.boolean({description: 'Do not install the OS (implies --no-start)'}),
    'no-name-check': Flags.boolean({description: 'Do not resolve the name through DNS (implies --no-ip-check)'}),
    'no-ip-check': Flags.boolean({description: "Don't check that the instance's IP is free"}),
    tags: Flags.string({description: 'Comma-separated tags'}),
    'ignore-ipolicy': Flags.boolean({description: 'Ignore the instance policy'}),
  };

  protected async execute(): Promise<number> {
    const {args, flags} = await this.parseCommand(InstanceAdd);
    checkArgCount('add', args, 1, 1);
    if (flags['disk-template'] === undefined) throw prereq('No disk information specified');
    const {hypervisor, hvparams} = parseHypervisorOption(flags['hypervisor-parameters']);
    const nameCheck = !flags['no-name-check'];
    const op = {
      OP_ID: 'OP_INSTANCE_CREATE',
      instance_name: args[0],
      mode: 'create',
      disk_template: flags['disk-template'],
      disks: [],
      nics: parseNics(flags.net, flags['no-nics']),
      os_type: flags.os ?? null,
      pnode: flags.node ?? null,
      iallocator: flags.iallocator ?? null,
      hypervisor,
      hvparams,
      beparams: parseBeparams(flags['backend-parameters']),
      start: !flags['no-start'],
      no_install: flags['no-install'],
      name_check: nameCheck,
      ip_check: !flags['no-ip-check'],
      tags: flags.tags === undefined ? [] : flags.tags.split(','),
      ignore_ipolicy: flags['ignore-ipolicy'],
      reason: extendReasonTrail([], flags.reason, 'gnt-instance', 'add'),
    };
    await submitOrSend(this.client(), op, {submitOnly: flags.submit, printJobId: flags['print-jobid']});
    writeOut('');
    return EXIT_SUCCESS;
  }
}
