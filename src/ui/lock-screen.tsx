// The lock screen (L): every lock the daemon reports, with mode, owners and waiters, as
// `gnt-debug locks` shows them, read again on every poll.
import {Box, Text} from 'ink';
import {fit} from './format.js';
import type {LockInfo} from './model.js';
import {ownerText} from './waits.js';

function pendingText(lock: LockInfo): string {
  return lock.pending.map((p) => `${p.mode}: ${p.owners.map(ownerText).join(',')}`).join('; ') || '-';
}

const ownersText = (lock: LockInfo): string => lock.owners.map(ownerText).join(',') || '-';

/** The title and lines of the lock table, columns as wide as their widest cell (a name at most half the width). */
export function lockLines(locks: readonly LockInfo[], width: number): {title: string; lines: string[]} {
  const nameW = Math.min(Math.max(4, ...locks.map((l) => l.name.length)), Math.floor(width / 2));
  const modeW = 9;
  const ownerW = Math.min(Math.max(5, ...locks.map((l) => ownersText(l).length)), Math.floor(width / 4));
  const line = (name: string, mode: string, owner: string, pending: string): string =>
    `${fit(name, nameW)} ${fit(mode, modeW)} ${fit(owner, ownerW)} ${pending}`;
  return {
    title: line('Name', 'Mode', 'Owner', 'Pending'),
    lines: locks.map((l) => line(l.name, l.mode ?? '-', ownersText(l), pendingText(l))),
  };
}

export interface LockScreenProps {
  locks: readonly LockInfo[] | null;
  top: number;
  width: number;
  height: number;
}

export function LockScreen({locks, top, width, height}: LockScreenProps) {
  const {title, lines} = lockLines(locks ?? [], width);
  const rows = Math.max(0, height - 2);
  const waiting = locks === null ? 0 : locks.filter((l) => l.pending.length > 0).length;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text wrap="truncate" bold>
        {locks === null ? 'Locks: reading…' : `Locks: ${locks.length}, ${waiting} with waiters`}
      </Text>
      <Text wrap="truncate" bold>
        {title}
      </Text>
      {lines.slice(top, top + rows).map((line, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a row of the screen is its position in the list
        <Text key={top + i} wrap="truncate" {...(locks![top + i]!.pending.length > 0 ? {color: 'yellow'} : {})}>
          {line}
        </Text>
      ))}
    </Box>
  );
}
