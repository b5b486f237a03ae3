import {memo} from 'react';
import {Box, Text} from 'ink';
import {fit, formatAge, statusColor} from './format.js';
import type {JobRow} from './model.js';

const STATUS_W = 9;
const PRIO_W = 4;
const AGE_W = 8;

export interface JobTableProps {
  /** Only the rows on screen: the table never sees the whole list. */
  rows: readonly JobRow[];
  selectedId: number | null;
  /** Width of the ID column: the widest ID of the whole list, so it does not jump while scrolling. */
  idWidth: number;
  now: number;
  width: number;
  height: number;
}

function summaryWidth(idWidth: number, width: number): number {
  return width - (idWidth + STATUS_W + PRIO_W + 3 * AGE_W + 6);
}

const JobLine = memo(function JobLine(props: {row: JobRow; selected: boolean; idWidth: number; now: number; width: number}) {
  const {row, selected, idWidth, now, width} = props;
  const ages = [row.received, row.started, row.ended].map((ts) => formatAge(now, ts).padStart(AGE_W)).join(' ');
  const tail = ` ${String(row.priority).padStart(PRIO_W)} ${ages} ${fit(row.summary, summaryWidth(idWidth, width))}`;
  return (
    <Text inverse={selected} wrap="truncate">
      {String(row.id).padStart(idWidth)}{' '}
      <Text {...statusColor(row.status)}>{row.status.padEnd(STATUS_W)}</Text>
      {tail}
    </Text>
  );
});

export function JobTable({rows, selectedId, idWidth, now, width, height}: JobTableProps) {
  const header =
    `${'ID'.padStart(idWidth)} ${'Status'.padEnd(STATUS_W)} ${'Prio'.padStart(PRIO_W)} ` +
    `${'Received'.padStart(AGE_W)} ${'Started'.padStart(AGE_W)} ${'Ended'.padStart(AGE_W)} Summary`;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate">
        {header}
      </Text>
      {rows.length === 0 ? (
        <Text dimColor>(no jobs)</Text>
      ) : (
        rows.map((row) => (
          <JobLine key={row.id} row={row} selected={row.id === selectedId} idWidth={idWidth} now={now} width={width} />
        ))
      )}
    </Box>
  );
}
