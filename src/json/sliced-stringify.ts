// JSON text of a large answer, produced piece by piece: long lists are written a few elements
// at a time, with pauses between pieces, so that the daemon neither holds the whole text at
// once nor stops serving while it writes it.
import {partsOf} from './long-strings.js';
import {stringifyJson} from './lossless.js';

/** A list whose elements are made while the answer is written (rows of a large query). */
export class StreamedList {
  constructor(readonly batches: AsyncIterable<unknown[]>) {}
}

/** Lists at least this long are written in pieces. */
const LONG_LIST = 512;
/** Elements of a long list written with one stringify. */
const BATCH = 256;
/** Characters gathered before a piece is handed out. */
const PIECE_CHARS = 256 * 1024;
/** Strings at least this long are escaped a piece at a time (one 60 MiB string took 280 ms). */
export const LONG_STRING = 1024 * 1024;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Whether a value has a long list or a StreamedList near its top (else one stringify does). */
export function needsSlicing(v: unknown, depth = 0): boolean {
  if (v instanceof StreamedList) return true;
  if (typeof v === 'string') return v.length >= LONG_STRING;
  if (depth > 4) return false;
  // Loops, not some()/Object.values(): this runs for every submitted opcode.
  if (Array.isArray(v)) {
    if (v.length >= LONG_LIST) return true;
    for (let i = 0; i < v.length; i++) if (needsSlicing(v[i], depth + 1)) return true;
    return false;
  }
  if (isPlainObject(v)) {
    for (const k in v) if (Object.hasOwn(v, k) && needsSlicing(v[k], depth + 1)) return true;
  }
  return false;
}

/**
 * Yields the JSON text of `value` (as stringifyJson would write it) in pieces of about
 * PIECE_CHARS; `pause` is awaited between elements of long lists.
 */
export async function* stringifySliced(value: unknown, pause: () => Promise<void>): AsyncGenerator<string> {
  let buf = '';
  /** Appends the elements of a list, `first` telling whether one was written before. */
  async function* elements(items: unknown[], depth: number, first: boolean): AsyncGenerator<string> {
    for (let i = 0; i < items.length; i += BATCH) {
      const batch = items.slice(i, i + BATCH);
      if (batch.some((x) => needsSlicing(x, depth + 1))) {
        for (const x of batch) {
          if (!first) buf += ',';
          first = false;
          yield* walk(x, depth + 1);
        }
      } else {
        const text = stringifyJson(batch.map((x) => (x === undefined || typeof x === 'function' ? null : x)));
        if (!first) buf += ',';
        first = false;
        buf += text.slice(1, -1);
      }
      if (buf.length >= PIECE_CHARS) {
        yield buf;
        buf = '';
      }
      await pause();
    }
  }
  async function* walk(v: unknown, depth: number): AsyncGenerator<string> {
    if (typeof v === 'string' && v.length >= LONG_STRING) {
      buf += '"';
      for (const part of escapedPartedPieces(partsOf(v) ?? [v])) {
        buf += part;
        yield buf;
        buf = '';
        await pause();
      }
      buf += '"';
      return;
    }
    if (v instanceof StreamedList) {
      buf += '[';
      let first = true;
      for await (const batch of v.batches) {
        if (batch.length === 0) continue;
        yield* elements(batch, depth, first);
        first = false;
      }
      buf += ']';
      return;
    }
    if (!needsSlicing(v, depth)) {
      buf += stringifyJson(v) ?? 'null';
      return;
    }
    if (Array.isArray(v)) {
      buf += '[';
      yield* elements(v, depth, true);
      buf += ']';
      return;
    }
    buf += '{';
    let first = true;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (x === undefined || typeof x === 'function') continue;
      if (!first) buf += ',';
      first = false;
      buf += `${JSON.stringify(k)}:`;
      yield* walk(x, depth + 1);
    }
    buf += '}';
  }
  yield* walk(value, 0);
  if (buf.length > 0) yield buf;
}

/**
 * escapedPieces of the concatenation of `parts`, read part by part (a string parsed in pieces
 * is not made flat, long-strings.ts); a surrogate pair cut between two parts is escaped whole.
 */
export function* escapedPartedPieces(parts: readonly string[], size = LONG_STRING / 4): Generator<string> {
  let carry = '';
  for (let i = 0; i < parts.length; i++) {
    let s = carry + parts[i]!;
    carry = '';
    const last = s.charCodeAt(s.length - 1);
    if (i < parts.length - 1 && last >= 0xd800 && last <= 0xdbff) {
      carry = s.slice(-1);
      s = s.slice(0, -1);
    }
    yield* escapedPieces(s, size);
  }
  if (carry !== '') yield* escapedPieces(carry, size);
}

/**
 * The JSON escape of a long string (without its quotes) in pieces of about LONG_STRING / 4
 * characters; together they are exactly JSON.stringify(s) without its quotes: a piece never
 * ends between the two halves of a surrogate pair (JSON.stringify escapes a lone surrogate).
 */
export function* escapedPieces(s: string, size = LONG_STRING / 4): Generator<string> {
  for (let i = 0; i < s.length; ) {
    let end = Math.min(s.length, i + size);
    const last = s.charCodeAt(end - 1);
    const next = s.charCodeAt(end);
    if (end < s.length && last >= 0xd800 && last <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) end += end - 1 > i ? -1 : 1;
    yield JSON.stringify(s.slice(i, end)).slice(1, -1);
    i = end;
  }
}
