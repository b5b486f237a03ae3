// The daemon's log file is best effort: a failing disk never blocks or throws, lines wait in
// a bounded buffer, the overflow is counted and reported once writing works again.
import assert from 'node:assert/strict';
import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'node:test';
import {pino} from 'pino';
import {LogFile} from '../../src/process/log-file.js';
import {waitFor} from '../helpers/cluster.js';

const enospc = (): NodeJS.ErrnoException => Object.assign(new Error('ENOSPC: no space left on device, write'), {code: 'ENOSPC'});

describe('best-effort log file', () => {
  it('keeps what fits while the disk is full, drops and counts the rest, and reports it once space returns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ganeti-ts-log-'));
    const path = join(dir, 'daemon.log');
    let full = true;
    const reports: Array<[number, string]> = [];
    const file = new LogFile(path, {
      maxBufferedBytes: 2000,
      retryMs: 20,
      fault: () => (full ? enospc() : null),
      onRecovered: (n, cause) => reports.push([n, cause]),
    });
    const log = pino({base: null, timestamp: false}, file);
    try {
      for (let i = 0; i < 100; i++) log.info(`line ${i}`);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(readFileSync(path, 'utf8'), '', 'nothing written while the disk is full');
      const kept = 2000 / '{"level":30,"msg":"line 00"}\n'.length;
      assert.ok(file.droppedLines > 0 && file.droppedLines < 100, `some lines dropped: ${file.droppedLines}`);
      full = false;
      await waitFor(() => reports.length === 1, 5000, 'the report of dropped lines');
      const lines = readFileSync(path, 'utf8').trim().split('\n');
      assert.equal(lines[0], '{"level":30,"msg":"line 0"}', 'the oldest lines are kept');
      assert.ok(lines.length >= Math.floor(kept) - 1, `about ${kept} lines kept, got ${lines.length}`);
      assert.equal(reports[0]![0], 100 - lines.length);
      assert.match(reports[0]![1], /ENOSPC/);
      log.info('after');
      await waitFor(() => readFileSync(path, 'utf8').includes('"after"'), 5000, 'later lines to be written');
    } finally {
      file.close();
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('a synchronous flush at exit on a full disk returns at once and counts what it could not write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ganeti-ts-log-'));
    try {
      const file = new LogFile(join(dir, 'daemon.log'), {retryMs: 60_000, fault: enospc});
      file.write('{"msg":"a"}\n');
      file.write('{"msg":"b"}\n');
      file.write('{"msg":"c"}\n');
      file.flushSync();
      assert.equal(file.droppedLines, 2, 'the lines behind the one being written');
      file.close();
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('writes to /dev/full never throw', async () => {
    const file = new LogFile('/dev/full', {retryMs: 10});
    for (let i = 0; i < 1000; i++) file.write(`{"msg":"${i}"}\n`);
    await new Promise((r) => setTimeout(r, 50));
    file.flushSync();
    file.close();
  });
});
