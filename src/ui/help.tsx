import {Box, Text} from 'ink';
import {STATUS_VIEWS} from './format.js';

const KEYS: ReadonlyArray<readonly [string, string]> = [
  ['↑ ↓  k j', 'move the selection'],
  ['PgUp PgDn', 'move a page'],
  ['Home g / End G', 'newest job (and follow new ones) / oldest job'],
  ['Enter', 'show or hide the details of the selected job'],
  ['c', 'cancel the selected job (asks first)'],
  ['p', 'change the priority of the selected job'],
  ['a', 'archive the selected job (finished jobs only)'],
  ['d', 'set or unset the queue drain flag (asks first)'],
  ['/', 'filter with a query, as in gnt-job list (empty: no filter)'],
  ['s', `next status view (${STATUS_VIEWS.map((v) => v.name).join(', ')})`],
  [STATUS_VIEWS.map((v) => v.key).join(' '), 'status view by number'],
  ['Esc', 'close the details, this help or a prompt'],
  ['q  Ctrl-C', 'quit'],
];

export function Help({width, height}: {width: number; height: number}) {
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="single" paddingX={1}>
      <Text bold>gnt-job top: keys (q quits, any other key closes this help)</Text>
      {KEYS.map(([keys, what]) => (
        <Text key={keys} wrap="truncate">
          <Text color="cyan">{keys.padEnd(16)}</Text>
          {what}
        </Text>
      ))}
    </Box>
  );
}
