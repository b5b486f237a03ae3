// The bottom line: a prompt, a message, or the keys of the current screen that fit the width.
import {Text} from 'ink';
import type {Message, Mode, Screen} from './keys.js';
import {PRIORITY_MAX, PRIORITY_MIN} from './keys.js';

const TONE_COLORS = {info: 'yellow', ok: 'green', error: 'red'} as const;

/** Keys per screen, most wanted first; the key bar drops them from the end until it fits. */
const KEY_HINTS: Readonly<Record<Screen['kind'], readonly string[]>> = {
  list: [
    'Enter view',
    '/ search',
    '↑↓ move',
    'space mark',
    'c cancel',
    'o sort',
    'p prio',
    'a archive',
    'r resubmit',
    'f filter',
    'L locks',
    'w waits',
    'd drain',
  ],
  job: ['Esc back', '↑↓ scroll', 'G follow', '/ search', 'n next', 'c cancel', 'p prio', 'r resubmit'],
  locks: ['Esc back', '↑↓ scroll'],
};
const ALWAYS = ['? help', 'q quit'];

/** The key hints that fit in width columns; "? help" and "q quit" are always there. */
export function keyBar(screen: Screen['kind'], width: number): string {
  const hints = [...KEY_HINTS[screen]];
  for (;;) {
    const text = [...hints, ...ALWAYS].join('  ');
    if (text.length <= width || hints.length === 0) return text;
    hints.pop();
  }
}

function Cursor() {
  return <Text inverse>_</Text>;
}

export interface FooterProps {
  mode: Mode;
  screen: Screen['kind'];
  search: string;
  message: Message | null;
  keysEnabled: boolean;
  width: number;
}

export function Footer({mode, screen, search, message, keysEnabled, width}: FooterProps) {
  const messageText = message === null ? null : <Text color={TONE_COLORS[message.tone]}>{message.text}</Text>;
  const gap = message === null ? null : '  ';
  switch (mode.kind) {
    case 'query':
      return (
        <Text wrap="truncate">
          <Text color="cyan">filter (query): </Text>
          {mode.text}
          <Cursor />
          {gap}
          {messageText}
        </Text>
      );
    case 'search':
      return (
        <Text wrap="truncate">
          <Text color="cyan">search: </Text>
          {search}
          <Cursor />
          {'  '}
          <Text dimColor>Enter keep Esc undo</Text>
        </Text>
      );
    case 'find':
      return (
        <Text wrap="truncate">
          <Text color="cyan">find: </Text>
          {mode.text}
          <Cursor />
          {gap}
          {messageText}
        </Text>
      );
    case 'confirm':
      return (
        <Text color="yellow" bold wrap="truncate">
          {mode.prompt}
        </Text>
      );
    case 'priority': {
      const whose = mode.ids.length === 1 ? `job ${mode.ids[0]}` : `${mode.ids.length} jobs`;
      return (
        <Text wrap="truncate">
          <Text color="yellow" bold>
            {`Priority of ${whose} (${PRIORITY_MIN}..${PRIORITY_MAX}, Enter; h -10, n 0, l 10): `}
          </Text>
          {mode.text}
          <Cursor />
          {gap}
          {messageText}
        </Text>
      );
    }
    default:
      if (messageText !== null) return <Text wrap="truncate">{messageText}</Text>;
      return (
        <Text dimColor wrap="truncate">
          {keysEnabled ? keyBar(screen, width) : 'keys are off: standard input is not a terminal (Ctrl-C quits)'}
        </Text>
      );
  }
}
