// Remembering which values were seen without a Set entry per value: a Set of millions of
// numbers costs tens of bytes each (a 64 MiB QueryJobs names up to 7.5 million ids).

/** Integers below this are kept in a bitmap (16 MiB at most); anything else in a Set. */
const BITMAP_LIMIT = 2 ** 27;

export class DistinctScalars {
  private bits = new Uint8Array(0);
  private readonly others = new Set<unknown>();

  /** True the first time a value is added (SameValueZero, as a Set compares). */
  add(v: unknown): boolean {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < BITMAP_LIMIT) {
      const byte = v >>> 3;
      const bit = 1 << (v & 7);
      if (byte >= this.bits.length) {
        const grown = new Uint8Array(Math.min(BITMAP_LIMIT / 8, Math.max(byte + 1, this.bits.length * 2, 1024)));
        grown.set(this.bits);
        this.bits = grown;
      }
      if ((this.bits[byte]! & bit) !== 0) return false;
      this.bits[byte]! |= bit;
      return true;
    }
    if (this.others.has(v)) return false;
    this.others.add(v);
    return true;
  }
}
