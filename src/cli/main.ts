// The start of every binary (bin/ganeti and the gnt-* aliases). For a gnt-* topic it answers what
// the stock tools answer before a command runs: `--version`, `--help`, and the command list with
// exit status 1 when the command is missing or unknown. It also makes a closed or full standard
// output end the command quietly instead of with a stack trace.
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {Config, Interfaces} from '@oclif/core';
import {EXIT_FAILURE} from '../process/exit-codes.js';

type PJSON = Interfaces.PJSON;

/** The topics that are stock gnt-* tools (gnt-job is `ganeti job`). */
const GNT_TOPICS = new Set(['job', 'cluster', 'node', 'instance', 'debug']);

/**
 * A reader that went away (`gnt-job list | head -1`) ends the command with status 1, as the stock
 * client's EPIPE handling does; any other write error (a full disk) with one line on stderr.
 */
function guardStdout(): void {
  // Before oclif's own listener, which ignores EPIPE and rethrows anything else.
  process.stdout.prependListener('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') process.stderr.write(`Cannot write to standard output: ${err.message}\n`);
    process.exit(EXIT_FAILURE);
  });
}

/** textwrap.wrap: greedy word wrapping, long words broken. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/).filter((w) => w !== '')) {
    while (word.length > width) {
      if (line !== '') {
        lines.push(line);
        line = '';
      }
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  return lines.length === 0 ? [''] : lines;
}

/** The stock tools' list of commands (cli._FormatUsage). */
export function formatCommandList(prog: string, commands: ReadonlyMap<string, string>): string {
  const names = [...commands.keys()].sort();
  const width = Math.min(60, Math.max(...names.map((n) => n.length)));
  const out = [
    `Usage: ${prog} {command} [options...] [argument...]`,
    `${prog} <command> --help to see details, or man ${prog}`,
    '',
    'Commands:',
  ];
  for (const name of names) {
    const [first, ...more] = wrap(commands.get(name)!, 79 - 3 - width);
    out.push(` ${name.padEnd(width)} - ${first!}`);
    for (const line of more) out.push(` ${''.padEnd(width)}   ${line}`);
  }
  out.push('');
  return `${out.join('\n')}\n`;
}

/**
 * The oclif configuration. `commands` is the bundle holding the commands of this binary
 * (scripts/bundle-cli.js) when it is not package.json's, which has them all.
 */
async function loadConfig(pjsonPath: string, commands: string | undefined): Promise<Config> {
  const root = dirname(pjsonPath);
  const {Config} = await import('@oclif/core');
  // This CLI has no plugins: oclif need not look for the user's (~/.local/share/ganeti).
  if (commands === undefined) return Config.load({root, userPlugins: false, devPlugins: false});
  const pjson = JSON.parse(readFileSync(pjsonPath, 'utf8')) as PJSON;
  pjson.oclif = {...pjson.oclif, commands: {strategy: 'explicit', target: commands, identifier: 'COMMANDS'}};
  return Config.load({root, pjson, userPlugins: false, devPlugins: false});
}

/**
 * Runs the CLI. `topic` is the topic an alias binary stands for (gnt-job: "job"); without one
 * the first argument may name it (`ganeti job list`). `commands`: see loadConfig.
 */
interface CommandInfo {
  id: string;
  aliases: readonly string[];
  summary?: string | undefined;
  description?: string | undefined;
}

/**
 * The commands as oclif.manifest.json lists them, or null without a manifest. `gnt-job`,
 * `gnt-job --help` and `--version` need no more than this, so they skip Config.load.
 */
function manifestCommands(root: string): CommandInfo[] | null {
  try {
    const manifest = JSON.parse(readFileSync(join(root, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, CommandInfo>};
    return Object.values(manifest.commands).flatMap((cmd) => [cmd, ...(cmd.aliases ?? []).map((id) => ({...cmd, id}))]);
  } catch {
    return null;
  }
}

/** What a stock gnt-* tool answers before a command runs; false when a command is to run. */
async function answerGntTopic(argv: readonly string[], commands: readonly CommandInfo[], version: () => string): Promise<boolean> {
  const prog = `gnt-${argv[0]!}`;
  // The stock tools list their commands but not the aliases (gnt-job show is info).
  const listed = new Map<string, string>();
  const known = new Set<string>();
  const aliases = new Set(commands.flatMap((cmd) => cmd.aliases));
  for (const cmd of commands) {
    const [t, name, ...deeper] = cmd.id.split(':');
    if (t !== argv[0] || name === undefined || deeper.length > 0) continue;
    known.add(name);
    if (!aliases.has(cmd.id)) listed.set(name, cmd.summary ?? cmd.description ?? '');
  }
  const first = argv[1];
  if (first === '--version') {
    const {RELEASE_VERSION} = await import('../config/ssconf.js');
    process.stdout.write(`${prog} (ganeti-ts ${version()}) ${RELEASE_VERSION}\n`);
    return true;
  }
  if (first === undefined || first === '--help' || !known.has(first)) {
    process.stdout.write(formatCommandList(prog, listed));
    if (first !== '--help') process.exitCode = EXIT_FAILURE;
    return true;
  }
  return false;
}

export async function main(pjsonUrl: string, topic?: string, commands?: string): Promise<void> {
  if (topic !== undefined) process.argv.splice(2, 0, topic);
  const argv = process.argv.slice(2);
  const pjsonPath = fileURLToPath(pjsonUrl);
  const gnt = GNT_TOPICS.has(argv[0] ?? '');
  if (gnt) guardStdout();
  if (gnt && (argv[1] === undefined || argv[1] === '--help' || argv[1] === '--version')) {
    const listed = manifestCommands(dirname(pjsonPath));
    const version = (): string => (JSON.parse(readFileSync(pjsonPath, 'utf8')) as {version?: string}).version ?? '0.0.0';
    if (listed !== null && (await answerGntTopic(argv, listed, version))) return;
  }
  const config = await loadConfig(pjsonPath, commands);
  if (gnt && (await answerGntTopic(argv, config.commands, () => config.version))) return;
  // @oclif/core is loaded only here: `gnt-job`, `--help` and `--version` above need none of it.
  const {flush, handle, run} = await import('@oclif/core');
  await run(argv, config).then(
    () => flush(),
    (err: unknown) => handle(err as Error),
  );
}
