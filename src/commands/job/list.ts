import {Args, Flags} from '@oclif/core';
import {CommandFailure, JOB_STATUS_SELECTIONS, LuxiCommand, makeSimpleFilter, writeErr, writeOut} from '../../cli/luxi-command.js';
import {formatQueryResult, JOB_LIST_FORMAT, unknownFieldsWarning} from '../../cli/query-table.js';
import {stringifyJson} from '../../json/lossless.js';
import {GanetiError, opPrereqError} from '../../protocol/errors.js';
import {RS_NORMAL, RS_UNKNOWN} from '../../query/fields.js';
import {isFilterText, makeIdFilter, parseFilterText} from '../../query/filter-text.js';
import {EXIT_FAILURE, EXIT_SUCCESS, EXIT_UNKNOWN_FIELD} from '../../process/exit-codes.js';

/** gnt_job._LIST_DEF_FIELDS */
export const JOB_LIST_DEFAULT_FIELDS = ['id', 'status', 'summary'];

/** cli.ParseFields: "-o a,b" replaces the defaults, "-o +a,b" appends to them. */
export function parseFields(selected: string | undefined, defaults: readonly string[]): string[] {
  if (selected === undefined) return [...defaults];
  if (selected.startsWith('+')) return [...defaults, ...selected.slice(1).split(',')];
  return selected.split(',');
}

/**
 * The stock client reports a filter that does not parse with its message, the line and a caret
 * under the position, and then the reason once more.
 */
function parseFilterArgument(text: string): unknown[] {
  try {
    return parseFilterText(text);
  } catch (err) {
    if (!(err instanceof GanetiError) || err.cls !== 'QueryFilterParseError' || typeof err.args[0] !== 'string') throw err;
    const message = err.args[0];
    const prefix = `Failed to parse query filter '${text}': `;
    const reason = message.startsWith(prefix) ? message.slice(prefix.length).split('\n')[0]! : '';
    throw new CommandFailure(`Error while parsing query filter: ${message}${reason === '' ? '' : `\n${reason}`}`);
  }
}

/**
 * qlang.MakeFilter for job IDs: one argument that looks like a filter (or -F) is parsed as one;
 * otherwise the arguments are job IDs (`byId`).
 */
export function makeJobFilter(args: readonly string[], forceFilter: boolean): {filter: unknown[] | null; byId: boolean} {
  if (forceFilter || (args.length === 1 && isFilterText(args[0]!))) {
    if (args.length !== 1) throw opPrereqError('Exactly one argument must be given as a filter', 'wrong_input');
    return {filter: parseFilterArgument(args[0]!), byId: false};
  }
  const filter = makeIdFilter([...args]);
  return {filter, byId: filter !== null};
}

export default class JobList extends LuxiCommand {
  static override summary = 'List the jobs and their status';
  static override description =
    'Lists the jobs and their status. The available fields can be shown using the "list-fields" command ' +
    '(see the man page for details). The default field list is (in order): id, status, summary.\n\n' +
    'Arguments are job IDs; a single argument containing a space or one of !"\'()/<=>\\~ (or any argument ' +
    'with -F) is a query filter, e.g. \'status == "error" and id > 100\'. A job named by ID that does not ' +
    'exist is listed with "-" values and reported on stderr, and the exit status is 1.';
  static override usage =
    'job list [--no-headers] [--separator=SEP] [-o [+]FIELD,...] [-v] [-F] ' +
    '[--pending|--running|--error|--finished] [--archived] [--json] [JOB-ID...|FILTER]';
  static override synopsis = '[<job-id>...]';
  static override args = {
    jobs: Args.string({description: 'Job IDs, or one query filter', ignoreStdin: true}),
  };
  static override flags = {
    'no-headers': Flags.boolean({description: "Don't display column headers"}),
    separator: Flags.string({description: 'Separator between output fields (defaults to one space)'}),
    output: Flags.string({
      char: 'o',
      description: 'Comma separated list of output fields ("+a,b" adds to the defaults)',
      helpValue: 'FIELDS',
    }),
    verbose: Flags.boolean({char: 'v', description: 'Increase the verbosity of the operation'}),
    filter: Flags.boolean({char: 'F', description: 'Whether command argument should be treated as filter'}),
    pending: Flags.boolean({description: 'Select jobs pending execution or being cancelled'}),
    running: Flags.boolean({description: 'Show jobs currently running only'}),
    error: Flags.boolean({description: 'Show failed jobs only'}),
    finished: Flags.boolean({description: 'Show finished jobs only'}),
    archived: Flags.boolean({description: 'Include archived jobs in list (slow and expensive)'}),
    json: Flags.boolean({description: 'Print a JSON array of objects keyed by field name instead of a table'}),
  };

  protected async execute(): Promise<number> {
    const {flags, args, raw} = await this.parseCommand(JobList);
    const fields = parseFields(flags.output, JOB_LIST_DEFAULT_FIELDS);
    if (flags.archived && !fields.includes('archived')) fields.push('archived');

    const selection = this.lastFlagOf(raw, ['pending', 'running', 'error', 'finished']);
    const statusFilter = makeSimpleFilter('status', selection === undefined ? undefined : JOB_STATUS_SELECTIONS[selection]);
    const {filter: nameFilter, byId: namedIds} = makeJobFilter(args, flags.filter);
    const filter = statusFilter === null ? nameFilter : nameFilter === null ? statusFilter : ['&', nameFilter, statusFilter];

    // Jobs named by ID that do not exist: the table shows them as stock gnt-job does, and
    // the command then says so on stderr and exits 1. Their status tells them apart.
    const probes = namedIds ? ['id', 'status'].filter((f) => !fields.includes(f)) : [];
    const queried = [...fields, ...probes];
    const answer = await this.client().query('job', queried, filter);
    const [idAt, statusAt] = [queried.indexOf('id'), queried.indexOf('status')];
    const missing = namedIds ? answer.data.filter((row) => row[statusAt]?.[0] !== RS_NORMAL).map((row) => row[idAt]?.[1]) : [];
    const response =
      probes.length === 0
        ? answer
        : {fields: answer.fields.slice(0, fields.length), data: answer.data.map((row) => row.slice(0, fields.length))};
    const missingExit = (code: number): number => {
      if (code !== EXIT_SUCCESS || missing.length === 0) return code;
      writeErr(missing.map((id) => `Job ID ${String(id)} not found\n`).join(''));
      return EXIT_FAILURE;
    };

    if (flags.json) {
      const names = response.fields.map((f) => f.name);
      const unknown = response.fields.filter((f) => f.kind === 'unknown').map((f) => f.name);
      const rows = response.data.map((row) => {
        const obj: Record<string, unknown> = {};
        names.forEach((name, i) => {
          const cell = row[i];
          obj[name] = cell !== undefined && cell[0] === RS_NORMAL ? cell[1] : null;
        });
        return obj;
      });
      writeErr(unknownFieldsWarning(unknown));
      writeOut(`${stringifyJson(rows)}\n`);
      const hasUnknown = response.data.some((row) => row.some((cell) => cell[0] === RS_UNKNOWN));
      return missingExit(hasUnknown || (response.data.length === 0 && unknown.length > 0) ? EXIT_UNKNOWN_FIELD : EXIT_SUCCESS);
    }

    const table = formatQueryResult(response, {
      header: !flags['no-headers'],
      verbose: flags.verbose,
      formatOverride: JOB_LIST_FORMAT,
      ...(flags.separator === undefined ? {} : {separator: flags.separator}),
    });
    writeErr(table.warning);
    writeOut(table.text);
    return missingExit(table.exitCode);
  }
}
