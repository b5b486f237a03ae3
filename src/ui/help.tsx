import {Box, Text} from 'ink';
import {STATUS_VIEWS} from './format.js';
import {SORT_KEYS} from './job-list.js';

const KEYS: ReadonlyArray<readonly [string, string]> = [
  ['↑ ↓  k j', 'move the selection (scroll in the job view and lock screen)'],
  ['PgUp PgDn', 'move a page'],
  ['Home g / End G', 'first job (and follow new ones) / last job; in the job view: top / end (follow the log)'],
  ['Enter', 'the job view: opcodes, inputs, results, the whole log (Esc: back)'],
  ['space / * / u', 'mark or unmark the selected job / all shown jobs / unmark all'],
  ['c', 'cancel the selected or marked jobs (asks first)'],
  ['p', 'change their priority (-20..19; h -10, n 0, l 10)'],
  ['a', 'archive them (finished jobs only; marked ones after asking)'],
  ['r', 'resubmit a failed or canceled job as a new job (asks first)'],
  ['/', 'search: id, status, summary as you type; in the job view: find text (n N next)'],
  ['f', 'filter with a query, as in gnt-job list (empty: no filter)'],
  ['o / O', `sort by the next key (${SORT_KEYS.join(', ')}) / reverse`],
  ['s', `next status view (${STATUS_VIEWS.map((v) => v.name).join(', ')})`],
  [STATUS_VIEWS.map((v) => v.key).join(' '), 'status view by number'],
  ['w', 'show or hide the waits-for column (lock and holder, or dependency)'],
  ['L', 'the lock screen: every lock with owners and waiters'],
  ['d', 'set or unset the queue drain flag (asks first)'],
  ['Esc', 'back, close a prompt; in the list: clear the search, then the marks'],
  ['Ctrl-L / Ctrl-Z', 'redraw the screen / suspend (fg resumes)'],
  ['q  Ctrl-C', 'quit'],
];

export const HELP_KEY_COUNT = KEYS.length;

export function Help({width, height, top}: {width: number; height: number; top: number}) {
  const rows = Math.max(0, height - 1);
  const first = Math.max(0, Math.min(top, KEYS.length - rows));
  const more = KEYS.length > rows ? ` (${first + 1}–${Math.min(KEYS.length, first + rows)} of ${KEYS.length}, ↑↓ scroll)` : '';
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text bold wrap="truncate">
        gnt-job top: keys{more}; q quits, any other key closes this help
      </Text>
      {KEYS.slice(first, first + rows).map(([keys, what]) => (
        <Text key={keys} wrap="truncate">
          <Text color="cyan">{keys.padEnd(16)}</Text>
          {what}
        </Text>
      ))}
    </Box>
  );
}
