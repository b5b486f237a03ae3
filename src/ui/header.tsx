import {memo, useMemo} from 'react';
import {Box, Text} from 'ink';
import {countByStatus, finishedHistory, sparkline, statusColor, type StatusView} from './format.js';
import {JOB_STATUS_ORDER, type MonitorSnapshot} from './model.js';

export const HEADER_ROWS = 3;
const RATE_SPAN_S = 60;
const RATE_BARS = 20;

export interface HeaderProps {
  snapshot: MonitorSnapshot;
  view: StatusView;
  /** Seconds since the epoch, whole seconds (the rate window moves once a second). */
  now: number;
  width: number;
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

export const Header = memo(function Header({snapshot, view, now, width}: HeaderProps) {
  const {cluster, jobs} = snapshot;
  const counts = useMemo(() => countByStatus(jobs), [jobs]);
  const history = useMemo(() => finishedHistory(jobs, now, RATE_BARS, RATE_SPAN_S), [jobs, now]);
  const finished = history.reduce((a, b) => a + b, 0);
  return (
    <Box flexDirection="column" width={width} height={HEADER_ROWS}>
      <Text wrap="truncate">
        <Text bold>{cluster?.name ?? '?'}</Text> master <Text bold>{cluster?.master ?? '?'}</Text>{'  '}
        <Connection snapshot={snapshot} />
        {'  '}
        {cluster === null ? (
          <Text>queue: ?</Text>
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
        {jobs.length} {snapshot.textFilter === null ? 'jobs:' : 'matching jobs:'}
        {JOB_STATUS_ORDER.map((status) => (
          <Text key={status} {...statusColor(status)}>
            {` ${status} ${counts.get(status) ?? 0}`}
          </Text>
        ))}
      </Text>
      <Text wrap="truncate">
        finished {(finished / RATE_SPAN_S).toFixed(2)}/s (1 min) <Text color="green">[{sparkline(history)}]</Text>
        {'  '}view <Text bold>{view.name}</Text>
        {snapshot.textFilter === null ? '' : '  filter '}
        {snapshot.textFilter === null ? null : <Text color="cyan">{snapshot.textFilter}</Text>}
        {snapshot.problem === null ? null : <Text color="red">{`  ${snapshot.problem}`}</Text>}
      </Text>
    </Box>
  );
});
