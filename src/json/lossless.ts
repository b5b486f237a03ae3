// JSON that keeps integers beyond 2^53 exact (Ganeti's reason-trail timestamps are
// nanoseconds, ~1.8e18). Such integers are held as bigint in memory.
// lossless-json does the same but parses ~4x slower than this: JSON.parse does the work
// and only the unsafe integer tokens are rewritten around it.

// ASCII, so that texts holding it stay one byte per character in V8 (a private-use character
// made every opcode text that went through stringifyWithBigints two bytes per character).
const MARK = `~big${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}:`;

/**
 * The deepest nesting accepted. JSON.parse itself copes with far more, but everything that
 * walks a value recursively afterwards (revival, validation, JSON.stringify) would overflow
 * the stack; Python's json module, on the other side of LUXI, stops near 1000 levels too.
 */
export const MAX_JSON_DEPTH = 1000;

// The checks below run before every JSON.parse. On a command's first and only call a loop over
// every character runs in V8's interpreter (20 ms for gnt-job list's 48 KB answer, for 1 ms of
// JSON.parse), so short texts are checked with regular expressions, which V8 compiles to
// machine code; long ones (a 100,000-job answer) with the loop, which V8 then optimises and
// which is faster there than regular expressions making hundreds of thousands of matches.
const LOOP_FROM = 128 * 1024;

/** Matches when the text has more opening brackets than MAX_JSON_DEPTH (strings included). */
const MANY_OPENINGS = new RegExp(`^(?:[^[{]*[[{]){${MAX_JSON_DEPTH + 1}}`);
/** Everything but the brackets outside strings (an unterminated string runs to the end). */
const NOT_BRACKETS = /"(?:[^"\\]|\\[\s\S])*(?:"|\\?$)|[^[\]{}"]+/g;
const INNERMOST_PAIRS = /[[{][\]}]/g;
/** A string literal, or an integer of 16 or more digits that is not part of a fraction or exponent. */
const LONG_INTEGERS = /"(?:[^"\\]|\\[\s\S])*(?:"|\\?$)|(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/g;

/** Throws a SyntaxError for text nested deeper than MAX_JSON_DEPTH. */
function checkDepth(text: string): void {
  if (!MANY_OPENINGS.test(text)) return;
  const brackets = text.replace(NOT_BRACKETS, '');
  // Usual answers are a few levels deep: removing the innermost pairs a few times empties them.
  let rest = brackets;
  for (let level = 0; level < 8 && rest !== ''; level++) rest = rest.replace(INNERMOST_PAIRS, '');
  if (rest === '') return;
  let depth = 0;
  for (let i = 0; i < brackets.length; i++) {
    const c = brackets.charCodeAt(i);
    if (c === 91 || c === 123) {
      if (++depth > MAX_JSON_DEPTH) throw new SyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    } else depth--;
  }
}

/** Positions [start, end) of integer tokens, outside strings, too large for a double. */
function unsafeIntegerTokens(text: string): Array<[number, number]> | null {
  if (!/\d{16}/.test(text)) return null;
  let found: Array<[number, number]> | null = null;
  LONG_INTEGERS.lastIndex = 0;
  for (let m = LONG_INTEGERS.exec(text); m !== null; m = LONG_INTEGERS.exec(text)) {
    if (m[0].charCodeAt(0) !== 34 && !Number.isSafeInteger(Number(m[0]))) {
      found ??= [];
      found.push([m.index, m.index + m[0].length]);
    }
  }
  return found;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** checkDepth and unsafeIntegerTokens in one pass over every character, for long texts. */
function scanLongText(text: string): Array<[number, number]> | null {
  let found: Array<[number, number]> | null = null;
  const n = text.length;
  let depth = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 91 || c === 123) {
      if (++depth > MAX_JSON_DEPTH) throw new SyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
      i++;
    } else if (c === 93 || c === 125) {
      depth--;
      i++;
    } else if (c === 34) {
      // skip a string literal
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
    } else if (isDigit(c) || c === 45) {
      const start = i;
      i++;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      const next = i < n ? text.charCodeAt(i) : 0;
      const isInteger = next !== 46 && next !== 101 && next !== 69;
      if (isInteger) {
        const digits = text.charCodeAt(start) === 45 ? i - start - 1 : i - start;
        if (digits >= 16 && !Number.isSafeInteger(Number(text.slice(start, i)))) {
          (found ??= []).push([start, i]);
        }
      } else {
        while (i < n && /[0-9.eE+-]/.test(text[i]!)) i++;
      }
    } else {
      i++;
    }
  }
  return found;
}

function revive(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.startsWith(MARK) ? BigInt(value.slice(MARK.length)) : value;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i]);
    return value;
  }
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj)) obj[k] = revive(obj[k]);
  }
  return value;
}

/** JSON.parse, except that unsafe integers become bigint. Throws SyntaxError like JSON.parse. */
export function parseJson(text: string): unknown {
  let tokens: Array<[number, number]> | null;
  if (text.length >= LOOP_FROM) tokens = scanLongText(text);
  else {
    checkDepth(text);
    tokens = unsafeIntegerTokens(text);
  }
  if (tokens === null) return JSON.parse(text);
  let rewritten = '';
  let last = 0;
  for (const [s, e] of tokens) {
    rewritten += text.slice(last, s) + '"' + MARK + text.slice(s, e) + '"';
    last = e;
  }
  rewritten += text.slice(last);
  return revive(JSON.parse(rewritten));
}

const markedBigint = new RegExp(`"${MARK}(-?\\d+)"`, 'g');

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? MARK + value.toString() : value;
}

/** JSON.stringify that writes bigint values as plain JSON integers. */
export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
  }
  return stringifyWithBigints(value);
}

/** stringifyJson for values that usually hold bigints (opcode inputs with reason timestamps). */
export function stringifyWithBigints(value: unknown): string {
  return JSON.stringify(value, bigintReplacer).replace(markedBigint, '$1');
}
