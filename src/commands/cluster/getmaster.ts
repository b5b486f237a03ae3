import {readFileSync} from 'node:fs';
import {checkArgCount, LuxiCommand, writeOut} from '../../cli/luxi-command.js';
import {resolvePaths} from '../../paths.js';
import {GanetiError} from '../../protocol/errors.js';
import {EXIT_SUCCESS} from '../../process/exit-codes.js';

/** Python's str() of an OSError for the errors a read of ssconf meets. */
const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: '[Errno 2] No such file or directory',
  EACCES: '[Errno 13] Permission denied',
  EISDIR: '[Errno 21] Is a directory',
};

export default class ClusterGetmaster extends LuxiCommand {
  static override summary = 'Shows the cluster master';
  static override description = "Prints the master node's name as this node's ssconf knows it; the master daemon is not asked.";
  static override usage = 'cluster getmaster';
  static override synopsis = '';

  protected async execute(): Promise<number> {
    const {args} = await this.parseCommand(ClusterGetmaster);
    checkArgCount('getmaster', args, 0, 0);
    const file = resolvePaths().ssconf('master_node');
    let master: string;
    try {
      master = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      const reason = ERRNO_TEXT[code] === undefined ? (err as Error).message : `${ERRNO_TEXT[code]}: '${file}'`;
      throw new GanetiError('ConfigurationError', [`Can't read ssconf file ${file}: ${reason}`]);
    }
    writeOut(`${master.replace(/\n+$/, '')}\n`);
    return EXIT_SUCCESS;
  }
}
