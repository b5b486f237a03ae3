import {memo, useMemo} from 'react';
import {Box, Text} from 'ink';
import {countByStatus, finishedHistory, groupDigits, sparkline, statusColor, type StatusView} from './format.js';
import type {SortKey} from './job-list.js';
import {JOB_STATUS_ORDER, type MonitorSnapshot} from './model.js';

/** Header lines on a terminal of normal height; a low one gets one line. */
export const HEADER_ROWS = 3;
const RATE_SPAN_S = 60;
const RATE_BARS = 20;

/** Where the list stands: its options and the part of it on screen. */
export interface ListStatus {
  readonly view: StatusView;
  readonly sortKey: SortKey;
  readonly reversed: boolean;
  readonly search: string;
  readonly marked: number;
  /** First and last row on screen (1-based) and how many rows the list has. */
  readonly from: number;
  readonly to: number;
  readonly total: number;
  /** Jobs that arrived above the rows on screen since the list was last seen at its top. */
  readonly newAbove: number;
}

export interface HeaderProps {
  snapshot: MonitorSnapshot;
  list: ListStatus;
  /** Seconds since the epoch, whole seconds (the rate window moves once a second). */
  now: number;
  width: number;
  /** One line instead of HEADER_ROWS. */
  compact: boolean;
}

function Connection({snapshot}: {snapshot: MonitorSnapshot}) {
  const c = snapshot.connection;
  if (c.state === 'up') return <Text color="green">daemon: connected</Text>;
  if (c.state === 'connecting') return <Text color="yellow">daemon: connecting…</Text>;
  return (
    <Text color="red" bold>
      daemon: UNREACHABLE, retrying ({c.reason})
    </Text>
  );
}

function positionText(l: ListStatus): string {
  if (l.total === 0) return 'no rows';
  return `rows ${groupDigits(l.from)}–${groupDigits(l.to)} of ${groupDigits(l.total)}`;
}

/** The list's state: view, sort, search, marks, position, new jobs above. */
function ListLine({list}: {list: ListStatus}) {
  return (
    <>
      {'view '}
      <Text bold>{list.view.name}</Text>
      {list.sortKey === 'id' && !list.reversed ? '' : `  sort ${list.sortKey}${list.reversed ? ' (reversed)' : ''}`}
      {list.search === '' ? null : (
        <>
          {'  search '}
          <Text color="cyan">{list.search}</Text>
        </>
      )}
      {list.marked === 0 ? '' : `  ${list.marked} marked`}
      {`  ${positionText(list)}`}
      {list.newAbove === 0 ? null : <Text color="yellow" bold>{`  ▲ ${groupDigits(list.newAbove)} new above`}</Text>}
    </>
  );
}

export const Header = memo(function Header({snapshot, list, now, width, compact}: HeaderProps) {
  const {cluster, jobs} = snapshot;
  const counts = useMemo(() => countByStatus(jobs), [jobs]);
  const history = useMemo(() => finishedHistory(jobs, now, RATE_BARS, RATE_SPAN_S), [jobs, now]);
  const finished = history.reduce((a, b) => a + b, 0);
  const jobsWord = snapshot.textFilter === null ? 'jobs' : 'matching jobs';
  if (compact) {
    return (
      <Box width={width} height={1}>
        <Text wrap="truncate">
          <Connection snapshot={snapshot} />
          {snapshot.loaded ? `  ${groupDigits(jobs.length)} ${jobsWord}  ` : '  jobs: unknown  '}
          <ListLine list={list} />
        </Text>
      </Box>
    );
  }
  // The per-status counts of a wide terminal; a narrow one gets the non-zero ones.
  const extra = (snapshot.textFilter === null ? 0 : snapshot.textFilter.length + 9) + (snapshot.problem?.length ?? 0);
  const full = `${jobs.length} ${jobsWord}:` + JOB_STATUS_ORDER.map((s) => ` ${s} ${counts.get(s) ?? 0}`).join('') + ' '.repeat(extra);
  const shownStatuses = full.length <= width ? JOB_STATUS_ORDER : JOB_STATUS_ORDER.filter((s) => (counts.get(s) ?? 0) > 0);
  return (
    <Box flexDirection="column" width={width} height={HEADER_ROWS}>
      <Text wrap="truncate">
        <Text bold>{cluster?.name ?? 'cluster unknown'}</Text> master <Text bold>{cluster?.master ?? 'unknown'}</Text>
        {'  '}
        <Connection snapshot={snapshot} />
        {'  '}
        {cluster === null ? (
          <Text>queue: unknown</Text>
        ) : cluster.drained ? (
          <Text color="yellow" bold>
            queue: DRAINED
          </Text>
        ) : (
          <Text>queue: open</Text>
        )}
      </Text>
      <Text wrap="truncate">
        {/* With a query filter the monitor only fetches matching jobs: say so. */}
        {!snapshot.loaded ? (
          'jobs: unknown'
        ) : (
          <>
            {groupDigits(jobs.length)} {jobsWord}:
            {shownStatuses.map((status) => (
              <Text key={status} {...statusColor(status)}>
                {` ${status} ${counts.get(status) ?? 0}`}
              </Text>
            ))}
          </>
        )}
        {snapshot.textFilter === null ? '' : '  filter '}
        {snapshot.textFilter === null ? null : <Text color="cyan">{snapshot.textFilter}</Text>}
        {snapshot.problem === null ? null : <Text color="red">{`  ${snapshot.problem}`}</Text>}
      </Text>
      <Text wrap="truncate">
        finished {(finished / RATE_SPAN_S).toFixed(2)}/s <Text color="green">[{sparkline(history)}]</Text>
        {'  '}
        <ListLine list={list} />
      </Text>
    </Box>
  );
});
