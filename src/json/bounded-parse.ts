// A JSON parser for large requests: it builds the same values as parseJson (unsafe integers
// become bigint), but in slices that give the event loop back, and within a memory budget.
// JSON.parse can do neither: a 57 MB text of empty lists takes seconds and over 1 GB in one
// call. Past the budget the parser stops building values and only reads on, to report what the
// request was (its method and how many items its first argument has), so that the caller can
// answer with the limit the request hit.
// The text comes in pieces (a request's socket reads, decoded about 256 KiB at a time): no step
// is given a whole 64 MiB message to copy or decode (docs/luxi.md).

import {StringDecoder} from 'node:string_decoder';
import {DistinctScalars} from './distinct.js';
import {forgetParts, MIN_PARTED_CHARS, rememberParts} from './long-strings.js';
import {MAX_JSON_DEPTH} from './lossless.js';

/** Estimated heap bytes of the values built (64-bit V8, no pointer compression). */
const COST = {slot: 8, property: 16, array: 48, object: 56, heapNumber: 16, bigint: 24, string: 16, frame: 48};
/** Short strings are shared: a list of a million "1" costs one string. */
const SHARED_STRING_MAX = 4;
/** Arrays up to this long are copied to their exact size when they close. */
const EXACT_COPY_MAX = 1024;
/** Tokens between two looks at the clock. */
const TOKENS_PER_CHECK = 2048;

export class BoundedParseError extends SyntaxError {}

export interface BoundedParseOptions {
  /** Estimated heap bytes the parsed value may take. */
  budgetBytes: number;
  /** Called every few thousand tokens; may wait (to let the event loop run). */
  pause(): Promise<void> | undefined;
  /**
   * Whether the scalars of the first argument (a list) of this method may be kept once each,
   * in the order first seen: QueryJobs of 64 MiB of one id is then a list of one. Asked when
   * that list opens, so only for requests that name their method before their arguments.
   */
  distinctFirstArg?: (method: string) => boolean;
  /**
   * How many items of this method's first argument (a list) could ever be accepted (null: no
   * limit): past it the values are no longer built, as past the budget, and the parser only
   * counts on (SubmitManyJobs of 20 million jobs against a queue of 5,000: millions of lists
   * built for nothing, and garbage collections of a quarter of a second).
   */
  firstArgLimit?: (method: string) => number | null;
}

export type BoundedParseResult =
  /**
   * `parted`: the strings of the value remembered with their parts (long-strings.ts); the
   * caller forgets them once it is done with the value.
   */
  | {ok: true; value: unknown; parted: string[]}
  /** Over budget: the document was read to its end without building it. */
  | {ok: false; method: string | null; firstArgLength: number | null; estimatedBytes: number};

type Role = 'root' | 'args' | 'firstArg' | 'other';

interface Frame {
  /** Past this many items (first argument), stop building. */
  limit?: number;
  /** null while only reading (over budget) */
  container: unknown[] | Record<string, unknown> | null;
  isArray: boolean;
  key: string | null;
  count: number;
  role: Role;
  /** Set when repeated scalars are dropped from this list. */
  distinct?: DistinctScalars;
}

/** Bytes decoded (and characters cut from a string input) per piece of text. */
const PIECE = 256 * 1024;
/** A number longer than this is refused (JSON has no limit; a longer one is an attack, not data). */
const MAX_NUMBER_CHARS = 64 * 1024;
/**
 * A longer object key is refused: V8 makes a property's name flat and unique (a 60 MiB key: one
 * step of 176 ms at load 12), and no LUXI request has one.
 */
const MAX_KEY_CHARS = 64 * 1024;
/** Escapes read in a string between two pauses. */
const ESCAPES_PER_STEP = 4096;
/** The longest escape (\uXXXX): one is never cut between two pieces. */
const LONGEST_ESCAPE = 6;

/** The text to parse, a piece at a time; null once it is all read. */
export interface TextPieces {
  next(): string | null;
}

/** A string in pieces of PIECE characters (views of it, not copies). */
export function stringPieces(text: string, pieceChars = PIECE): TextPieces {
  let at = 0;
  return {
    next() {
      if (at >= text.length) return null;
      const piece = text.slice(at, at + pieceChars);
      at += piece.length;
      return piece;
    },
  };
}

/**
 * UTF-8 bytes in chunks (a message as it was read), decoded about PIECE bytes per piece as
 * Buffer.concat(chunks).toString('utf8') would decode them whole (a character cut between two
 * chunks is decoded once both are there; malformed bytes become U+FFFD). `chunks` is emptied as
 * it is read, so that the bytes decoded can be freed.
 */
export function utf8Pieces(chunks: Buffer[], pieceBytes = PIECE): TextPieces {
  const decoder = new StringDecoder('utf8');
  let ended = false;
  return {
    next() {
      if (ended) return null;
      const parts: string[] = [];
      let bytes = 0;
      while (bytes < pieceBytes && chunks.length > 0) {
        const chunk = chunks[0]!;
        const take = Math.min(chunk.length, pieceBytes - bytes);
        if (take === chunk.length) chunks.shift();
        else chunks[0] = chunk.subarray(take);
        parts.push(decoder.write(take === chunk.length ? chunk : chunk.subarray(0, take)));
        bytes += take;
      }
      if (chunks.length === 0) {
        parts.push(decoder.end());
        ended = true;
      }
      return parts.join('');
    },
  };
}

/** Where a string's plain characters end: its closing quote, an escape or a control character. */
const STRING_STOP = /["\\\x00-\x1f]/g;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
/** The characters a number token may run on with (so that one cut between two pieces is seen whole). */
const NUMBER_CHARS = /[-+0-9.eE]*/y;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Parses `input` as one JSON value; throws BoundedParseError (a SyntaxError) if it is not JSON. */
export async function parseJsonBounded(input: string | TextPieces, opts: BoundedParseOptions): Promise<BoundedParseResult> {
  const parted: string[] = [];
  try {
    const res = await parse(input, opts, parted);
    if (!res.ok) forgetParts(parted);
    return res;
  } catch (err) {
    forgetParts(parted);
    throw err;
  }
}

async function parse(input: string | TextPieces, opts: BoundedParseOptions, parted: string[]): Promise<BoundedParseResult> {
  const source = typeof input === 'string' ? stringPieces(input) : input;
  /** The piece being read (with what was kept of the one before); `pos` is an index in it. */
  let text = '';
  let n = 0;
  /** Characters of the input before `text`. */
  let base = 0;
  let exhausted = false;
  const shared = new Map<string, string>();
  const stack: Frame[] = [];
  let pos = 0;
  let cost = 0;
  let building = true;
  let tokens = 0;
  let root: unknown;
  let method: string | null = null;
  let firstArgLength: number | null = null;

  const fail = (what: string): never => {
    throw new BoundedParseError(pos >= n && exhausted ? 'Unexpected end of JSON input' : `${what} at position ${base + pos}`);
  };
  const unexpected = (): never => fail(`Unexpected character ${JSON.stringify(text[pos])}`);
  /**
   * Reads the next piece of the input, keeping what `text` has from `keep` on (an unfinished
   * token: a few characters, never a long string, whose read parts are kept apart); false at the
   * end of the input.
   */
  const refill = (keep: number): boolean => {
    let piece: string | null = '';
    while (piece === '') piece = source.next();
    if (piece === null) {
      exhausted = true;
      return false;
    }
    text = keep < n ? text.slice(keep) + piece : piece;
    base += keep;
    pos -= keep;
    n = text.length;
    return true;
  };
  /** Makes `count` characters from pos readable, if the input has them. */
  const need = (count: number): void => {
    while (n - pos < count && refill(pos));
  };
  const skipSpace = (): void => {
    for (;;) {
      while (pos < n && isSpace(text.charCodeAt(pos))) pos++;
      if (pos < n || !refill(pos)) return;
    }
  };
  const stopBuilding = (): void => {
    building = false;
    root = undefined;
    for (const f of stack) f.container = null;
  };
  const spend = (bytes: number): void => {
    cost += bytes;
    if (building && cost > opts.budgetBytes) stopBuilding();
  };

  // A string being read: where its characters in `text` start (-1: none), whether they have
  // escapes, and its parts read from the pieces before.
  let strStart = -1;
  let strEscaped = false;
  let strParts: string[] = [];
  let stepEscapes = 0;
  /** The characters of the string being read from strStart to `end`, unescaped. */
  const strSegment = (end: number): string => {
    if (!strEscaped) return text.slice(strStart, end);
    try {
      return JSON.parse(`"${text.slice(strStart, end)}"`) as string;
    } catch {
      pos = strStart;
      return fail('Bad escape in string');
    }
  };
  /**
   * Reads the string at pos (its opening quote), or goes on with the one begun: returns it, or
   * null at the end of the piece without its end (one 60 MiB string is 240 pieces, with pauses
   * between them). A string longer than a piece is a rope of its pieces' parts: its one copy
   * into a flat string is made by whatever reads it first.
   */
  const readStringStep = (): string | null => {
    if (strStart === -1) {
      strStart = ++pos;
      strEscaped = false;
    }
    for (;;) {
      STRING_STOP.lastIndex = pos;
      const m = STRING_STOP.exec(text);
      if (m === null) {
        pos = n;
        strParts.push(strSegment(n));
        strEscaped = false;
        if (!refill(n)) fail('Unterminated string');
        strStart = pos;
        return null;
      }
      pos = m.index;
      const c = text.charCodeAt(pos);
      if (c === 0x22) break;
      if (c < 0x20) fail('Bad control character in string literal');
      if (n - pos < LONGEST_ESCAPE && !exhausted) {
        // An escape is never cut between two pieces: the part before it is kept.
        strParts.push(strSegment(pos));
        strEscaped = false;
        need(LONGEST_ESCAPE);
        strStart = pos;
        // A new piece: a pause first (a string of escapes only ran on through every piece in
        // one step: 1.6 s for 60 MiB).
        if (!exhausted) return null;
      }
      strEscaped = true;
      pos += 2;
      if (pos > n) fail('Unterminated string');
      // A piece of escapes only is ~40,000 of them: a pause every ESCAPES_PER_STEP.
      if (++stepEscapes >= ESCAPES_PER_STEP) {
        stepEscapes = 0;
        return null;
      }
    }
    const last = strSegment(pos++);
    strStart = -1;
    if (strParts.length === 0) return last;
    const parts = strParts;
    parts.push(last);
    strParts = [];
    let whole = '';
    for (const part of parts) whole += part;
    if (building && whole.length >= MIN_PARTED_CHARS) {
      rememberParts(whole, parts);
      parted.push(whole);
    }
    return whole;
  };
  /** Reads a whole string without pausing (object keys). */
  const readString = (): string => {
    let s = readStringStep();
    while (s === null) s = readStringStep();
    return s;
  };

  const stringValue = (s: string): string => {
    if (s.length <= SHARED_STRING_MAX) {
      const known = shared.get(s);
      if (known !== undefined) return known;
      shared.set(s, s);
    }
    spend(s.length <= 1 ? 0 : COST.string + s.length);
    return s;
  };

  /** Reads a scalar at pos. */
  const scalar = (): unknown => {
    const c = text.charCodeAt(pos);
    if (c === 0x22) return stringValue(readString());
    // A token cut between two pieces is read once it is whole (a number that ends further from
    // the piece's end than its longest allowed length cannot be cut).
    if (n - pos <= MAX_NUMBER_CHARS && !exhausted) {
      need(5);
      NUMBER_CHARS.lastIndex = pos;
      NUMBER_CHARS.exec(text);
      while (NUMBER_CHARS.lastIndex === n && n - pos <= MAX_NUMBER_CHARS && refill(pos)) {
        NUMBER_CHARS.lastIndex = pos;
        NUMBER_CHARS.exec(text);
      }
    }
    if (c === 0x74 && text.startsWith('true', pos)) {
      pos += 4;
      return true;
    }
    if (c === 0x66 && text.startsWith('false', pos)) {
      pos += 5;
      return false;
    }
    if (c === 0x6e && text.startsWith('null', pos)) {
      pos += 4;
      return null;
    }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m === null) return unexpected();
    const token = m[0];
    if (token.length > MAX_NUMBER_CHARS) fail(`Number longer than ${MAX_NUMBER_CHARS} characters`);
    pos += token.length;
    const value = Number(token);
    if (Number.isInteger(value) && !/[.eE]/.test(token) && !Number.isSafeInteger(value)) {
      spend(COST.bigint);
      return BigInt(token);
    }
    if (!Number.isInteger(value) || value > 0x3fffffff || value < -0x40000000 || Object.is(value, -0)) spend(COST.heapNumber);
    return value;
  };

  const childRole = (parent: Frame | undefined): Role => {
    if (parent === undefined) return 'root';
    if (parent.role === 'root' && parent.key === 'args') return 'args';
    if (parent.role === 'args' && parent.count === 0) return 'firstArg';
    return 'other';
  };

  /** Stores a finished value in the innermost open container (or as the document). */
  const store = (value: unknown): void => {
    const top = stack[stack.length - 1];
    if (top === undefined) {
      root = value;
      return;
    }
    if (top.role === 'root' && top.key === 'method') method = typeof value === 'string' ? value : null;
    top.count++;
    if (top.limit !== undefined && top.count > top.limit && building) stopBuilding();
    if (top.container === null) return;
    if (top.isArray) {
      (top.container as unknown[]).push(value);
    } else if (top.key === '__proto__') {
      Object.defineProperty(top.container, '__proto__', {value, writable: true, enumerable: true, configurable: true});
    } else {
      (top.container as Record<string, unknown>)[top.key!] = value;
    }
  };

  skipSpace();
  // true when a value is expected next (start, after ':' or ',' or '[')
  let wantValue = true;
  for (;;) {
    if (++tokens >= TOKENS_PER_CHECK) {
      tokens = 0;
      const wait = opts.pause();
      if (wait !== undefined) await wait;
    }
    skipSpace();
    if (pos >= n) fail('Unexpected end of JSON input');
    const top = stack[stack.length - 1];
    if (wantValue) {
      const c = text.charCodeAt(pos);
      if (c === 0x7b || c === 0x5b) {
        if (stack.length >= MAX_JSON_DEPTH) throw new BoundedParseError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
        pos++;
        const isArray = c === 0x5b;
        spend(COST.frame + (isArray ? COST.array : COST.object) + (top === undefined ? 0 : top.isArray ? COST.slot : COST.property));
        const frame: Frame = {container: building ? (isArray ? [] : {}) : null, isArray, key: null, count: 0, role: childRole(top)};
        if (isArray && frame.role === 'firstArg' && method !== null) {
          if (opts.distinctFirstArg?.(method) === true) frame.distinct = new DistinctScalars();
          const limit = opts.firstArgLimit?.(method) ?? null;
          if (limit !== null) frame.limit = limit;
        }
        stack.push(frame);
        skipSpace();
        const close = isArray ? 0x5d : 0x7d;
        if (text.charCodeAt(pos) === close) {
          pos++;
          wantValue = false;
          closeFrame();
          if (stack.length === 0) break;
          continue;
        }
        if (!isArray) {
          const wait = readKey(frame);
          if (wait !== undefined) await wait;
        }
        continue;
      }
      let value: unknown;
      if (c === 0x22) {
        let str = readStringStep();
        while (str === null) {
          const wait = opts.pause();
          if (wait !== undefined) await wait;
          str = readStringStep();
        }
        value = stringValue(str);
      } else {
        value = scalar();
      }
      if (top?.distinct !== undefined && !top.distinct.add(value)) {
        top.count++;
      } else {
        if (top !== undefined) spend(top.isArray ? COST.slot : COST.property);
        store(value);
      }
      wantValue = false;
      if (stack.length === 0) break;
      continue;
    }
    // after a value inside a container
    const c = text.charCodeAt(pos);
    if (c === 0x2c) {
      pos++;
      if (!top!.isArray) {
        skipSpace();
        const wait = readKey(top!);
        if (wait !== undefined) await wait;
      } else {
        wantValue = true;
      }
      continue;
    }
    if (c === (top!.isArray ? 0x5d : 0x7d)) {
      pos++;
      closeFrame();
      if (stack.length === 0) break;
      continue;
    }
    unexpected();
  }
  skipSpace();
  if (pos < n) unexpected();
  if (building) return {ok: true, value: root, parted};
  return {ok: false, method, firstArgLength, estimatedBytes: cost};

  /** Reads a key and its colon; a key longer than a piece is read with pauses (then a promise). */
  function readKey(frame: Frame): Promise<void> | undefined {
    if (text.charCodeAt(pos) !== 0x22) unexpected();
    const key = readStringStep();
    if (key === null) return readLongKey(frame);
    keyRead(frame, key);
    return undefined;
  }

  async function readLongKey(frame: Frame): Promise<void> {
    let key: string | null = null;
    while (key === null) {
      const wait = opts.pause();
      if (wait !== undefined) await wait;
      key = readStringStep();
    }
    keyRead(frame, key);
  }

  function keyRead(frame: Frame, key: string): void {
    if (key.length > MAX_KEY_CHARS) fail(`Object key longer than ${MAX_KEY_CHARS} characters`);
    frame.key = key;
    skipSpace();
    if (text.charCodeAt(pos) !== 0x3a) unexpected();
    pos++;
    wantValue = true;
  }

  function closeFrame(): void {
    const frame = stack.pop()!;
    spend(-COST.frame);
    if (frame.role === 'firstArg' && frame.isArray) firstArgLength = frame.count;
    // An array that grew by push keeps room for at least 16 items: a copy of a short one is
    // exact (three million ["==", "id", 1] tests take 83 bytes each instead of 195).
    if (frame.isArray && frame.container !== null && frame.count <= EXACT_COPY_MAX)
      frame.container = (frame.container as unknown[]).slice();
    store(frame.container);
  }
}
