// The full-screen view of one job (Enter): every opcode with status, times, input and the whole
// result or error, then the whole log. The text is wrapped here, so that the screen can scroll
// through it line by line and never draws more lines than it has.
import type {ReactNode} from 'react';
import {Box, Text} from 'ink';
import {stringifyJson} from '../json/lossless.js';
import {clockTime, formatAge, formatDuration, statusColor, wrapText} from './format.js';
import type {JobDetail} from './model.js';
import {longWait, type WaitInfo} from './waits.js';

export interface ViewLine {
  readonly text: string;
  /** Colour the line like this status. */
  readonly status?: string;
  readonly error?: boolean;
  readonly bold?: boolean;
}

export interface JobViewInfo {
  readonly detail: JobDetail | null;
  /** What the daemon's locks say the job waits for. */
  readonly wait: WaitInfo | null;
  /** Why the job is no longer in the list (archived elsewhere), or null. */
  readonly gone: string | null;
}

const when = (now: number, ts: number | null): string => (ts === null ? '-' : `${clockTime(ts)} (${formatAge(now, ts)} ago)`);

function depends(input: Readonly<Record<string, unknown>>): string[] {
  const deps = input.depends;
  if (!Array.isArray(deps)) return [];
  return deps.map((d) => {
    const [id, statuses] = Array.isArray(d) ? d : [d, null];
    const on = Array.isArray(statuses) && statuses.length > 0 ? ` (${statuses.join(', ')})` : '';
    return `job ${String(id)}${on}`;
  });
}

/** The scrolling text of the job view, wrapped to width columns. */
export function jobViewLines(jobId: number, info: JobViewInfo, now: number, width: number): ViewLine[] {
  const lines: ViewLine[] = [];
  const add = (text: string, style: Omit<ViewLine, 'text'> = {}, indent = ''): void => {
    for (const t of wrapText(text, width, indent)) lines.push({text: t, ...style});
  };
  const {detail, wait, gone} = info;
  if (gone !== null) add(gone, {error: true, bold: true});
  if (detail === null || detail.id !== jobId) {
    add('loading…');
    return lines;
  }
  if (detail.error !== null) add(detail.error, {error: true});
  if (detail.status === null) return lines;
  add(`received ${when(now, detail.received)}`);
  add(`started  ${when(now, detail.started)}`);
  add(`ended    ${when(now, detail.ended)}`);
  if (detail.started !== null) add(`runtime  ${formatDuration((detail.ended ?? now) - detail.started)}`);
  if (wait !== null) add(longWait(wait), {status: 'waiting', bold: true}, '  ');
  const count = detail.ops.length;
  detail.ops.forEach((op, i) => {
    lines.push({text: ''});
    add(`Opcode ${i + 1}/${count}  ${op.status}  ${op.summary}${op.priority === null ? '' : `  prio ${op.priority}`}`, {
      status: op.status,
      bold: true,
    });
    const took = op.executed !== null && op.ended !== null ? `  took ${formatDuration(op.ended - op.executed)}` : '';
    add(
      `  started ${op.started === null ? '-' : clockTime(op.started)}  executed ${op.executed === null ? '-' : clockTime(op.executed)}  ended ${op.ended === null ? '-' : clockTime(op.ended)}${took}`,
      {},
      '    ',
    );
    for (const dep of depends(op.input)) add(`  depends on ${dep}`, {}, '    ');
    if (op.result !== null) {
      const [first = '', ...rest] = op.result.split('\n');
      add(`  ${op.failed ? 'error' : 'result'}: ${first}`, {error: op.failed}, '    ');
      for (const more of rest) add(`    ${more}`, {error: op.failed}, '    ');
    }
    // Parameters left at null are the opcode's defaults: they would only hide the others.
    const params = Object.entries(op.input).filter(([, value]) => value !== null && value !== undefined);
    if (params.length > 0) {
      add('  input:');
      for (const [name, value] of params) add(`    ${name} = ${stringifyJson(value)}`, {}, '      ');
    }
  });
  lines.push({text: ''});
  add(`Log (${detail.log.length} ${detail.log.length === 1 ? 'entry' : 'entries'}):`, {bold: true});
  for (const entry of detail.log) add(`  ${clockTime(entry.time)} ${entry.message}`, {}, '           ');
  return lines;
}

/** Lines whose text contains `needle` (any case), in order. */
export function matchingLines(lines: readonly ViewLine[], needle: string): number[] {
  const n = needle.toLowerCase();
  if (n === '') return [];
  const found: number[] = [];
  lines.forEach((l, i) => {
    if (l.text.toLowerCase().includes(n)) found.push(i);
  });
  return found;
}

function Highlighted({text, needle}: {text: string; needle: string}) {
  if (needle === '') return <>{text}</>;
  const parts: ReactNode[] = [];
  const lower = text.toLowerCase();
  const n = needle.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(n); i >= 0; i = lower.indexOf(n, at)) {
    parts.push(<Text key={`t${i}`}>{text.slice(at, i)}</Text>);
    parts.push(
      <Text key={`m${i}`} inverse underline>
        {text.slice(i, i + n.length)}
      </Text>,
    );
    at = i + n.length;
  }
  parts.push(<Text key="rest">{text.slice(at)}</Text>);
  return <>{parts}</>;
}

export interface JobViewProps {
  jobId: number;
  status: string | null;
  /** Text after the title (the position in the text). */
  suffix: string;
  lines: readonly ViewLine[];
  /** Index of the first line shown. */
  top: number;
  /** Highlighted text, '' for none. */
  needle: string;
  width: number;
  height: number;
}

/** The title line and `height - 1` lines of text from `top`. */
export function JobView({jobId, status, suffix, lines, top, needle, width, height}: JobViewProps) {
  const shown = lines.slice(top, top + height - 1);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate" bold>
        Job {jobId} <Text {...statusColor(status)}>{status ?? ''}</Text>
        <Text bold={false}>{suffix}</Text>
      </Text>
      {shown.map((l, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a row of the screen is its position in the text
        <Text key={top + i} wrap="truncate" bold={l.bold ?? false} {...(l.error ? {color: 'red'} : statusColor(l.status ?? null))}>
          <Highlighted text={l.text === '' ? ' ' : l.text} needle={needle} />
        </Text>
      ))}
    </Box>
  );
}
