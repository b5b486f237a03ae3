// A JSON parser for large requests: it builds the same values as parseJson (unsafe integers
// become bigint), but in slices that give the event loop back, and within a memory budget.
// JSON.parse can do neither: a 57 MB text of empty lists takes seconds and over 1 GB in one
// call. Past the budget the parser stops building values and only reads on, to report what the
// request was (its method and how many items its first argument has), so that the caller can
// answer with the limit the request hit.

import {DistinctScalars} from './distinct.js';
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
  | {ok: true; value: unknown}
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

/** Characters of a string read between two pauses. */
const STRING_STEP = 1024 * 1024;
/** Where a string's plain characters end: its closing quote, an escape or a control character. */
const STRING_STOP = /["\\\x00-\x1f]/g;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Parses `text` as one JSON value; throws BoundedParseError (a SyntaxError) if it is not JSON. */
export async function parseJsonBounded(text: string, opts: BoundedParseOptions): Promise<BoundedParseResult> {
  const n = text.length;
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
    throw new BoundedParseError(pos >= n ? 'Unexpected end of JSON input' : `${what} at position ${pos}`);
  };
  const unexpected = (): never => fail(`Unexpected character ${JSON.stringify(text[pos])}`);
  const skipSpace = (): void => {
    while (pos < n && isSpace(text.charCodeAt(pos))) pos++;
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

  // A string being read: where its characters start (-1: none), whether it has escapes.
  let strStart = -1;
  let strEscaped = false;
  let window = '';
  let windowEnd = 0;
  /**
   * Reads the string at pos (its opening quote), or goes on with the one begun: returns it, or
   * null after STRING_STEP characters without its end (one 60 MiB string is 60 steps, with
   * pauses between them, instead of one scan of 150 ms).
   */
  const readStringStep = (): string | null => {
    if (strStart === -1) {
      strStart = ++pos;
      strEscaped = false;
    }
    // The regular expression skips plain characters natively, within a window of the text (a
    // slice is a view, not a copy) that moves on a step at a time.
    if (windowEnd - pos < 1024 && windowEnd < n) {
      windowEnd = Math.min(n, pos + STRING_STEP);
      window = text.slice(0, windowEnd);
    }
    const stepEnd = windowEnd;
    for (;;) {
      STRING_STOP.lastIndex = pos;
      const m = STRING_STOP.exec(window);
      if (m === null) {
        pos = stepEnd;
        if (pos >= n) fail('Unterminated string');
        return null;
      }
      pos = m.index;
      const c = text.charCodeAt(pos);
      if (c === 0x22) break;
      if (c < 0x20) fail('Bad control character in string literal');
      strEscaped = true;
      pos += 2;
      if (pos >= stepEnd) {
        if (pos >= n) fail('Unterminated string');
        return null;
      }
    }
    if (pos > n) fail('Unterminated string');
    const start = strStart;
    strStart = -1;
    const end = pos++;
    if (!strEscaped) return text.slice(start, end);
    try {
      return JSON.parse(text.slice(start - 1, end + 1)) as string;
    } catch {
      pos = start;
      return fail('Bad escape in string');
    }
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
        if (!isArray) readKey(frame);
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
        readKey(top!);
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
  if (building) return {ok: true, value: root};
  return {ok: false, method, firstArgLength, estimatedBytes: cost};

  function readKey(frame: Frame): void {
    if (text.charCodeAt(pos) !== 0x22) unexpected();
    frame.key = readString();
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
