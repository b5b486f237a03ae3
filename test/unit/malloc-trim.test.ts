// malloc_trim through koffi (docs/architecture.md, "Memory"): memory freed in the middle of
// glibc's heap is given back to the system only by it.
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';
import {describe, it} from 'node:test';
import {mallocTrim, mallocTrimReady} from '../../src/process/malloc-trim.js';
import {collectGarbage} from '../../src/process/memory-trim.js';

/** Resident KiB of malloc's main heap ([heap] in smaps). */
function heapKb(): number {
  let kb = 0;
  let inside = false;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inside = line.endsWith(' [heap]');
    else if (inside && line.startsWith('Rss:')) kb += Number(/(\d+)/.exec(line)![1]);
  }
  return kb;
}

describe('malloc trim', () => {
  it('gives back the pages freed between buffers still in use', async () => {
    assert.equal(await mallocTrimReady(), true, 'available on this Linux with glibc');
    // 64 MiB of 8 KiB buffers (malloc'd: below glibc's mmap threshold), each followed by a
    // small one that stays, like the read buffers of connections that went between others'.
    let large: Buffer[] | null = [];
    const small: Buffer[] = [];
    for (let i = 0; i < 8192; i++) {
      large.push(Buffer.allocUnsafeSlow(8192).fill(1));
      small.push(Buffer.allocUnsafeSlow(16));
    }
    large = null;
    collectGarbage();
    // V8 frees the dead buffers' memory just after the collection.
    await new Promise((r) => setTimeout(r, 300));
    const before = heapKb();
    assert.ok(before > 60 * 1024, `${before} KiB resident in the heap after the buffers were freed`);
    assert.equal(mallocTrim(), true);
    const after = heapKb();
    assert.ok(after < before - 50 * 1024, `${before} -> ${after} KiB`);
    assert.equal(small.length, 8192);
  });
});
