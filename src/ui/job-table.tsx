import {memo} from 'react';
import {Box, Text} from 'ink';
import {fit, formatAge, formatDuration, statusColor} from './format.js';
import {runtime} from './job-list.js';
import type {JobRow} from './model.js';
import {shortWait, type WaitInfo} from './waits.js';

const STATUS_W = 9;
const PRIO_W = 4;
const AGE_W = 8;
const WAIT_W = 30;
/** Below these widths the columns that matter least go, so that the summary keeps some room. */
const NARROW = 72;
const VERY_NARROW = 50;

export interface JobTableProps {
  /** Only the rows on screen: the table never sees the whole list. */
  rows: readonly JobRow[];
  selectedId: number | null;
  marked: ReadonlySet<number>;
  /** Width of the ID column: the widest ID of the whole list, so it does not jump while scrolling. */
  idWidth: number;
  /** The waits-for column, when shown: what each waiting job waits for. */
  waits: ReadonlyMap<number, WaitInfo> | null;
  now: number;
  width: number;
  height: number;
}

interface Layout {
  ages: boolean;
  prio: boolean;
  summary: number;
}

function layout(idWidth: number, width: number, waits: boolean): Layout {
  const room = width - (waits ? WAIT_W + 1 : 0);
  const ages = room >= NARROW;
  const prio = room >= VERY_NARROW;
  const fixed =
    2 + idWidth + 1 + STATUS_W + 1 + (prio ? PRIO_W + 1 : 0) + (ages ? 3 * (AGE_W + 1) : 0) + AGE_W + 1 + (waits ? WAIT_W + 1 : 0);
  return {ages, prio, summary: width - fixed};
}

/** The marker column: `>` for the selected row, `*` for a marked one, readable without colour. */
const marker = (selected: boolean, marked: boolean): string => `${selected ? '>' : ' '}${marked ? '*' : ' '}`;

interface LineProps {
  row: JobRow;
  selected: boolean;
  marked: boolean;
  idWidth: number;
  wait: string | null;
  now: number;
  width: number;
  showWaits: boolean;
}

const JobLine = memo(function JobLine({row, selected, marked, idWidth, wait, now, width, showWaits}: LineProps) {
  const l = layout(idWidth, width, showWaits);
  const ages = l.ages ? [row.received, row.started, row.ended].map((ts) => formatAge(now, ts).padStart(AGE_W)).join(' ') + ' ' : '';
  const prio = l.prio ? `${String(row.priority).padStart(PRIO_W)} ` : '';
  const run = formatDuration(runtime(row, now)).padStart(AGE_W);
  const waitCell = showWaits ? `${fit(wait ?? '', WAIT_W)} ` : '';
  return (
    <Text inverse={selected} bold={marked} wrap="truncate">
      {marker(selected, marked)}
      {String(row.id).padStart(idWidth)} <Text {...statusColor(row.status)}>{row.status.padEnd(STATUS_W)}</Text>
      {` ${prio}${ages}${run} ${waitCell}${fit(row.summary, l.summary)}`}
    </Text>
  );
});

export function tableHeader(idWidth: number, width: number, showWaits: boolean): string {
  const l = layout(idWidth, width, showWaits);
  return (
    `  ${'ID'.padStart(idWidth)} ${'Status'.padEnd(STATUS_W)} ` +
    (l.prio ? `${'Prio'.padStart(PRIO_W)} ` : '') +
    (l.ages ? `${'Received'.padStart(AGE_W)} ${'Started'.padStart(AGE_W)} ${'Ended'.padStart(AGE_W)} ` : '') +
    `${'Runtime'.padStart(AGE_W)} ` +
    (showWaits ? `${'Waits for'.padEnd(WAIT_W)} ` : '') +
    'Summary'
  );
}

export function JobTable({rows, selectedId, marked, idWidth, waits, now, width, height}: JobTableProps) {
  const showWaits = waits !== null;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate">
        {tableHeader(idWidth, width, showWaits)}
      </Text>
      {rows.length === 0 ? (
        <Text dimColor>(no jobs)</Text>
      ) : (
        rows.map((row) => {
          const w = waits?.get(row.id);
          return (
            <JobLine
              key={row.id}
              row={row}
              selected={row.id === selectedId}
              marked={marked.has(row.id)}
              idWidth={idWidth}
              wait={w === undefined ? null : shortWait(w)}
              now={now}
              width={width}
              showWaits={showWaits}
            />
          );
        })
      )}
    </Box>
  );
}
