// The command line of a gnt-* command read the way the stock tools' optparse reads it, before
// oclif sees it: long options abbreviated to any unique prefix, short options clustered (-vF,
// -ofoo), options only before the first argument (Ganeti disables interspersed arguments, so
// `info 1 -5` passes "-5" on while `info -5` is an unknown option), the last of a repeated
// option wins. The result is a canonical token list for oclif plus the positional arguments.
import type {Command} from '@oclif/core';
import {pyStringRepr} from '../format/python.js';
import {EXIT_USAGE} from '../process/exit-codes.js';

/** A command's option as the normaliser needs it (taken from the oclif flag definitions). */
export interface OptionSpec {
  /** The oclif flag name (the canonical long option without "--"). */
  readonly name: string;
  readonly char?: string;
  /** Further long names (oclif `aliases`). */
  readonly aliases?: readonly string[];
  readonly takesValue: boolean;
  /** optparse "choice" options: the allowed values. */
  readonly choices?: readonly string[];
  /** append options: every occurrence is kept. */
  readonly multiple?: boolean;
}

/** optparse's parser.error: the message after "PROG: error: ", exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface NormalizedArgv {
  /** `--name` and `--name=value` tokens, for oclif. */
  readonly options: string[];
  /** The positional arguments, as typed. */
  readonly args: string[];
  /** How often each option was given, by oclif flag name (optparse's "count" action, -dd). */
  readonly counts: ReadonlyMap<string, number>;
}

export function normalizeArgv(argv: readonly string[], specs: readonly OptionSpec[]): NormalizedArgv {
  const longs = new Map<string, OptionSpec>();
  const shorts = new Map<string, OptionSpec>();
  for (const spec of specs) {
    longs.set(`--${spec.name}`, spec);
    for (const alias of spec.aliases ?? []) longs.set(`--${alias}`, spec);
    if (spec.char !== undefined) shorts.set(`-${spec.char}`, spec);
  }

  const matchLong = (opt: string): string => {
    if (longs.has(opt)) return opt;
    const candidates = [...longs.keys()].filter((name) => name.startsWith(opt)).sort();
    if (candidates.length === 1) return candidates[0]!;
    if (candidates.length === 0) throw new UsageError(`no such option: ${opt}`);
    throw new UsageError(`ambiguous option: ${opt} (${candidates.join(', ')}?)`);
  };

  // Per option: the values given, in order (last wins unless `multiple`); null for a flag.
  const given = new Map<OptionSpec, Array<string | null>>();
  const order: OptionSpec[] = [];
  const record = (spec: OptionSpec, opt: string, value: string | null): void => {
    if (value !== null && spec.choices !== undefined && !spec.choices.includes(value)) {
      throw new UsageError(
        `option ${opt}: invalid choice: ${pyStringRepr(value)} (choose from ${spec.choices.map(pyStringRepr).join(', ')})`,
      );
    }
    if (!given.has(spec)) {
      given.set(spec, []);
      order.push(spec);
    }
    given.get(spec)!.push(value);
  };

  const rest = [...argv];
  while (rest.length > 0) {
    const arg = rest[0]!;
    if (arg === '--') {
      rest.shift();
      break;
    }
    if (arg.startsWith('--')) {
      rest.shift();
      const eq = arg.indexOf('=');
      const opt = matchLong(eq === -1 ? arg : arg.slice(0, eq));
      const spec = longs.get(opt)!;
      if (spec.takesValue) {
        if (eq !== -1) record(spec, opt, arg.slice(eq + 1));
        else if (rest.length === 0) throw new UsageError(`${opt} option requires 1 argument`);
        else record(spec, opt, rest.shift()!);
      } else {
        if (eq !== -1) throw new UsageError(`${opt} option does not take a value`);
        record(spec, opt, null);
      }
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      rest.shift();
      for (let i = 1; i < arg.length; i++) {
        const opt = `-${arg[i]}`;
        const spec = shorts.get(opt);
        if (spec === undefined) throw new UsageError(`no such option: ${opt}`);
        if (!spec.takesValue) {
          record(spec, opt, null);
          continue;
        }
        if (i + 1 < arg.length) record(spec, opt, arg.slice(i + 1));
        else if (rest.length === 0) throw new UsageError(`${opt} option requires 1 argument`);
        else record(spec, opt, rest.shift()!);
        break;
      }
      continue;
    }
    // The first argument ends the options.
    break;
  }

  const options: string[] = [];
  for (const spec of order) {
    const values = given.get(spec)!;
    if (!spec.takesValue) options.push(`--${spec.name}`);
    else for (const v of spec.multiple === true ? values : values.slice(-1)) options.push(`--${spec.name}=${v!}`);
  }
  return {options, args: rest, counts: new Map(order.map((spec) => [spec.name, given.get(spec)!.length]))};
}

/**
 * What optparse writes to stderr for a usage error (TitledHelpFormatter's usage, then the
 * message); the exit status is 2.
 */
export function formatUsageError(prog: string, usage: string, message: string): string {
  return `Usage\n=====\n  ${prog} ${usage}\n\n${prog}: error: ${message}\n`;
}

/** The optparse view of oclif flag definitions. */
export function optionSpecs(flags: Record<string, unknown>): OptionSpec[] {
  return Object.entries(flags).map(([name, def]) => {
    const d = def as {type: string; char?: string; aliases?: string[]; options?: readonly string[]; multiple?: boolean};
    return {
      name,
      takesValue: d.type === 'option',
      ...(d.char === undefined ? {} : {char: d.char}),
      ...(d.aliases === undefined ? {} : {aliases: d.aliases}),
      ...(d.options === undefined ? {} : {choices: d.options}),
      ...(d.multiple === true ? {multiple: true} : {}),
    };
  });
}

/**
 * For commands that are not LuxiCommands: their argv read the way optparse reads it (see
 * optparse-argv.ts), as tokens for `this.parse`, the positional arguments after "--" as typed.
 * A usage error is written as optparse writes it (`plain`: the daemons' untitled format) and
 * exits with status 2.
 */
export function optparseTokens(
  command: Command,
  flags: Record<string, unknown>,
  prog: string,
  usage: string,
  style: 'titled' | 'plain' = 'titled',
): string[] {
  try {
    const {options, args} = normalizeArgv(command.argv, optionSpecs(flags));
    return args.length === 0 ? options : [...options, '--', ...args];
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(
      style === 'titled' ? formatUsageError(prog, usage, err.message) : `Usage: ${prog} ${usage}\n\n${prog}: error: ${err.message}\n`,
    );
    return command.exit(EXIT_USAGE);
  }
}
