// The confirmation the stock gnt-instance asks before remove, migrate and failover, after
// checking that the instance exists (gnt_instance._EnsureInstancesExist).
import {GanetiError} from '../protocol/errors.js';
import type {LuxiClient} from '../protocol/client.js';
import {CommandFailure} from './luxi-command.js';
import {askYesNo} from './prompt.js';
import {EXIT_CONFIRMATION} from '../process/exit-codes.js';

/** True when confirmed; throws when there is no terminal to ask on. */
export async function confirmInstanceAction(client: LuxiClient, name: string, question: string): Promise<boolean> {
  const rows = (await client.call('QueryInstances', [name], ['name'], false)) as unknown[][];
  if (rows.length === 0 || rows[0]![0] === null)
    throw new GanetiError('OpPrereqError', [`Instance '${name}' does not exist`, 'unknown_entity']);
  const answer = await askYesNo(question);
  if (answer === 'no-tty') {
    throw new CommandFailure(
      `Not confirmed: "${question}" needs an answer and standard input is not a terminal. Use -f to go ahead without confirmation.`,
      EXIT_CONFIRMATION,
    );
  }
  return answer;
}
