import {Box, Text} from 'ink';
import {clockTime, formatAge, statusColor} from './format.js';
import type {JobDetail} from './model.js';

export interface JobDetailProps {
  /** The job selected in the table. */
  jobId: number;
  /** What the monitor knows; possibly still about another job. */
  detail: JobDetail | null;
  now: number;
  width: number;
  height: number;
}

const ago = (now: number, ts: number | null): string => (ts === null ? '-' : `${formatAge(now, ts)} ago`);

interface Line {
  key: string;
  text: string;
  /** A status to colour the line with. */
  status?: string;
  failed?: boolean;
  bold?: boolean;
}

function opLines(detail: JobDetail, now: number): Line[] {
  const lines: Line[] = [];
  detail.ops.forEach((op, i) => {
    const times = `exec ${ago(now, op.executed)}  end ${ago(now, op.ended)}`;
    lines.push({
      key: `op${i}`,
      text: ` #${i + 1} ${op.status.padEnd(9)} ${op.summary}  (${times}${op.priority === null ? '' : `  prio ${op.priority}`})`,
      status: op.status,
    });
    if (op.result !== null) {
      lines.push({key: `res${i}`, text: `     ${op.failed ? 'error' : 'result'}: ${op.result}`, failed: op.failed});
    }
  });
  return lines;
}

/** What fits in `rows` lines: the opcodes first (at most half when there is a log), then the newest log lines. */
function layout(detail: JobDetail, now: number, rows: number): Line[] {
  const ops = opLines(detail, now);
  const log: Line[] = detail.log.map((l) => ({key: `log${l.serial}`, text: ` ${clockTime(l.time)} ${l.message}`}));
  const logRows = log.length === 0 ? 0 : Math.min(log.length + 1, rows - Math.min(ops.length, Math.ceil(rows / 2)));
  const opRows = rows - logRows;
  const shownOps =
    ops.length <= opRows ? ops : [...ops.slice(0, opRows - 1), {key: 'more', text: ` … ${ops.length - opRows + 1} more lines`}];
  const shownLog = logRows === 0 ? [] : [{key: 'loghead', text: 'Log:', bold: true}, ...log.slice(log.length - (logRows - 1))];
  return [...shownOps, ...shownLog];
}

export function JobDetailPane({jobId, detail, now, width, height}: JobDetailProps) {
  const current = detail !== null && detail.id === jobId ? detail : null;
  const inner = height - 3;
  const title =
    current === null || current.status === null ? (
      <Text bold>Job {jobId}</Text>
    ) : (
      <Text>
        <Text bold>Job {jobId}</Text> <Text {...statusColor(current.status)}>{current.status}</Text>
        {`  prio ${current.priority ?? '-'}  received ${ago(now, current.received)}  started ${ago(now, current.started)}  ended ${ago(now, current.ended)}`}
      </Text>
    );
  const lines = current === null ? [] : layout(current, now, inner);
  return (
    <Box flexDirection="column" borderStyle="single" width={width} height={height} paddingX={1}>
      <Text wrap="truncate">
        {title}
        {current?.error ? <Text color="red">{`  ${current.error}`}</Text> : null}
      </Text>
      {current === null ? <Text dimColor>loading…</Text> : null}
      {lines.map((l) => (
        <Text key={l.key} wrap="truncate" {...(l.failed ? {color: 'red'} : statusColor(l.status ?? null))} bold={l.bold ?? false}>
          {l.text}
        </Text>
      ))}
    </Box>
  );
}
