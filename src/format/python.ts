// Python's str()/repr() of decoded JSON values and the time formats of Ganeti's CLI, so that
// our gnt-job prints what the stock (Python 3.11) client prints for the same daemon answer.
//
// Numbers: our JSON does not keep the int/float distinction (1.0 parses as 1). We print a number
// the way the stock client prints what *our* daemon sends: JSON.stringify writes an integral
// number below 1e21 without a fraction, which Python reads as an int, and anything else (a
// fraction or an exponent) as a float. bigint is always an int.
//
// Dict keys keep JavaScript's property order, which differs from the wire order only for
// integer-like keys (JavaScript lists them first, ascending).

/**
 * Code points assigned after Unicode 14.0 (Python 3.11's database) up to 17.0: Python considers
 * them unassigned, so repr() escapes them, while Node's newer ICU calls them printable.
 */
// Made on first use, like the regular expressions below: every command imports this module, and
// building them at load cost about a millisecond of each start (docs/cli-startup.md).
let assignedAfter14: ReadonlyArray<readonly [number, number]> | undefined;
const assignedAfterUnicode14Ranges = (): ReadonlyArray<readonly [number, number]> =>
  (assignedAfter14 ??= (
    '88f 897 c5c cdc cf3 ece 1acf-1add 1ae0-1aeb 1b4e-1b4f 1b7f 1c89-1c8a 20c1 2427-2429 2b96 ' +
    '2ffc-2fff 31e4-31e5 31ef a7cb-a7cf a7d2 a7d4 a7da-a7dc a7f1 fbc3-fbd2 fd90-fd91 fdc8-fdce ' +
    '105c0-105f3 10940-10959 10d40-10d65 10d69-10d85 10d8e-10d8f 10ec2-10ec7 10ed0-10ed8 ' +
    '10efa-10eff 1123f-11241 11380-11389 1138b 1138e 11390-113b5 113b7-113c0 113c2 113c5 ' +
    '113c7-113ca 113cc-113d5 113d7-113d8 113e1-113e2 116d0-116e3 11b00-11b09 11b60-11b67 ' +
    '11bc0-11be1 11bf0-11bf9 11db0-11ddb 11de0-11de9 11f00-11f10 11f12-11f3a 11f3e-11f5a 1342f ' +
    '13440-13455 13460-143fa 16100-16139 16d40-16d79 16ea0-16eb8 16ebb-16ed3 16ff2-16ff6 ' +
    '187f8-187ff 18cff 18d09-18d1e 18d80-18df2 1b132 1b155 1cc00-1ccfc 1cd00-1ceb3 1ceba-1ced0 ' +
    '1cee0-1cef0 1d2c0-1d2d3 1df25-1df2a 1e030-1e06d 1e08f 1e4d0-1e4f9 1e5d0-1e5fa 1e5ff ' +
    '1e6c0-1e6de 1e6e0-1e6f5 1e6fe-1e6ff 1f6d8 1f6dc 1f774-1f77f 1f7d9 1f8b2-1f8bb 1f8c0-1f8c1 ' +
    '1f8d0-1f8d8 1fa54-1fa57 1fa75-1fa77 1fa87-1fa8a 1fa8e-1fa8f 1faad-1faaf 1fabb-1fabf 1fac6 ' +
    '1fac8 1facd-1facf 1fada-1fadc 1fadf 1fae8-1faea 1faef 1faf7-1faf8 1fbcb-1fbef 1fbfa ' +
    '2b739-2b73f 2cea2-2cead 2ebf0-2ee5d 31350-33479'
  )
    .split(' ')
    .map((range) => {
      const [lo, hi = lo] = range.split('-') as [string, string?];
      return [parseInt(lo, 16), parseInt(hi, 16)] as const;
    }));

let notPrintable: RegExp | undefined;

function assignedAfterUnicode14(cp: number): boolean {
  const ranges = assignedAfterUnicode14Ranges();
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [start, end] = ranges[mid]!;
    if (cp < start) hi = mid - 1;
    else if (cp > end) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Python's str.isprintable() for one non-ASCII character. */
function isPrintable(ch: string, cp: number): boolean {
  notPrintable ??= /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;
  return !notPrintable.test(ch) && !assignedAfterUnicode14(cp);
}

function hex(cp: number, width: number): string {
  return cp.toString(16).padStart(width, '0');
}

function escapeCodePoint(cp: number): string {
  if (cp <= 0xff) return `\\x${hex(cp, 2)}`;
  if (cp <= 0xffff) return `\\u${hex(cp, 4)}`;
  return `\\U${hex(cp, 8)}`;
}

const PLAIN_SINGLE_QUOTED = /^[\x20-\x26\x28-\x5b\x5d-\x7e]*$/;

/** Python's repr() of a str. */
export function pyStringRepr(s: string): string {
  if (PLAIN_SINGLE_QUOTED.test(s)) return `'${s}'`;
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += escapeCodePoint(cp);
    else if (cp < 0x7f || isPrintable(ch, cp)) out += ch;
    else out += escapeCodePoint(cp);
  }
  return out + quote;
}

/** Python's repr() of a float. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const [mantissa, exponent] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exp = Number(exponent);
  // Python switches to exponent notation outside 1e-4 <= |x| < 1e16.
  const decimalPoint = exp + 1;
  let body: string;
  if (decimalPoint > -4 && decimalPoint <= 16) {
    if (decimalPoint <= 0) body = '0.' + '0'.repeat(-decimalPoint) + digits;
    else if (decimalPoint >= digits.length) body = digits + '0'.repeat(decimalPoint - digits.length) + '.0';
    else body = digits.slice(0, decimalPoint) + '.' + digits.slice(decimalPoint);
  } else {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    body = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return x < 0 ? '-' + body : body;
}

/** How the stock client prints a JSON number sent by our daemon (see the file header). */
export function pyNumberRepr(x: number): string {
  // Within 2^53 String() writes an integer's digits as they are (and -0 as 0, as repr(int) does).
  if (Number.isSafeInteger(x)) return String(x);
  return Number.isInteger(x) && Math.abs(x) < 1e21 ? BigInt(x).toString() : pyFloatRepr(x);
}

/** Python's repr() of a decoded JSON value. */
export function pyRepr(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return pyStringRepr(value);
    case 'number':
      return pyNumberRepr(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'True' : 'False';
    case 'undefined':
      return 'None';
    case 'object':
      if (value === null) return 'None';
      if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
      return `{${Object.entries(value)
        .map(([k, v]) => `${pyStringRepr(k)}: ${pyRepr(v)}`)
        .join(', ')}}`;
    default:
      return String(value);
  }
}

/** Python's str() of a decoded JSON value: strings as they are, everything else as repr(). */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value);
}

/** Python's type(value).__name__ for a decoded JSON value. */
export function pyTypeName(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return 'str';
    case 'number':
      return Number.isInteger(value) && Math.abs(value) < 1e21 ? 'int' : 'float';
    case 'bigint':
      return 'int';
    case 'boolean':
      return 'bool';
    case 'object':
      if (value === null) return 'NoneType';
      return Array.isArray(value) ? 'list' : 'dict';
    default:
      return 'NoneType';
  }
}

/** Python's truth value of a decoded JSON value. */
export function pyTruthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

/** Python's len() of a str: code points, not UTF-16 units. */
export function pyLen(s: string): number {
  let n = s.length;
  if (/[\uD800-\uDBFF]/.test(s)) n -= s.match(SURROGATE_PAIR)?.length ?? 0;
  return n;
}

/** Python's "%.<digits>f": exact decimal rounding of the double, exact halves to even. */
export function pyFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  // |x| = mantissa * 2^exponent exactly
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  const exponent = biased === 0 ? -1074 : biased - 1075;
  const scaled = mantissa * 10n ** BigInt(digits);
  let q: bigint;
  if (exponent >= 0) {
    q = scaled << BigInt(exponent);
  } else {
    const shift = BigInt(-exponent);
    q = scaled >> shift;
    const twiceRemainder = (scaled - (q << shift)) << 1n;
    const one = 1n << shift;
    if (twiceRemainder > one || (twiceRemainder === one && (q & 1n) === 1n)) q++;
  }
  let text = q.toString();
  if (digits > 0) {
    text = text.padStart(digits + 1, '0');
    text = `${text.slice(0, -digits)}.${text.slice(-digits)}`;
  }
  return bits >> 63n ? '-' + text : text;
}

/** Python's "%06d" (the microseconds of a timestamp). */
function pyZeroPadded6(value: number | bigint): string {
  const n = typeof value === 'bigint' ? value : BigInt(Math.trunc(value));
  const digits = (n < 0n ? -n : n).toString();
  return n < 0n ? '-' + digits.padStart(5, '0') : digits.padStart(6, '0');
}

const PY_WHITESPACE = '[\\t\\n\\v\\f\\r\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
let pyIntRe: RegExp | undefined;
let decimalDigit: RegExp | undefined;

/** The value of a Unicode decimal digit: digits come in aligned runs of ten, zero first. */
function digitValue(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (cp <= 0x39) return cp - 0x30;
  let start = cp;
  decimalDigit ??= /\p{Nd}/u;
  while (decimalDigit.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

/** Python's int(text) in base 10, or null where Python raises ValueError. */
export function pyInt(text: string): bigint | null {
  pyIntRe ??= new RegExp(`^${PY_WHITESPACE}*([+-]?)(\\p{Nd}(?:_?\\p{Nd})*)${PY_WHITESPACE}*$`, 'u');
  const m = pyIntRe.exec(text);
  if (m === null) return null;
  let digits = '';
  for (const ch of m[2]!) if (ch !== '_') digits += digitValue(ch);
  const n = BigInt(digits);
  return m[1] === '-' ? -n : n;
}

/** A JavaScript number when exact, else the bigint. */
export function toJsInteger(n: bigint): number | bigint {
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/**
 * utils.SafeEncode: non-ASCII as backslash escapes, tab and newline escaped, other control
 * characters as \xNN. Carriage return becomes \'r (sic: the stock code's raw string).
 */
export function safeEncode(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp > 0x7f) out += escapeCodePoint(cp);
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += "\\'r";
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${hex(cp, 2)}`;
    else out += ch;
  }
  return out;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function two(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** Local time of float seconds, truncated towards minus infinity like time.localtime(). */
function localDate(seconds: number): Date {
  const date = new Date(Math.floor(seconds) * 1000);
  if (Number.isNaN(date.getTime())) throw new RangeError('timestamp out of range for platform time_t');
  return date;
}

/** time.ctime(seconds) in the local time zone, e.g. "Tue Nov 14 22:13:20 2023". */
export function formatCtime(seconds: number): string {
  const d = localDate(seconds);
  return (
    `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]}${String(d.getDate()).padStart(3, ' ')} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`
  );
}

function isPyNumber(value: unknown): value is number | bigint | boolean {
  return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean';
}

/**
 * utils.FormatTime: "%Y-%m-%d %H:%M:%S" local time, plus ".%06d" microseconds when given;
 * "N/A" unless the value is a number.
 */
export function formatTime(value: unknown, usecs?: unknown): string {
  if (!isPyNumber(value)) return 'N/A';
  const d = localDate(Number(value));
  let text =
    `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  if (usecs !== undefined && usecs !== null) {
    if (!isPyNumber(usecs)) {
      throw new TypeError(`%d format: a real number is required, not ${pyTypeName(usecs)}`);
    }
    text += '.' + pyZeroPadded6(typeof usecs === 'boolean' ? Number(usecs) : usecs);
  }
  return text;
}

/** cli.FormatTimestamp of a [seconds, microseconds] pair; "?" for anything else. */
export function formatTimestamp(ts: unknown): string {
  if (!Array.isArray(ts) || ts.length !== 2) return '?';
  return formatTime(ts[0], ts[1]);
}

/** utils.MergeTime: [seconds, microseconds] as float seconds, computed as Python does. */
export function mergeTime(ts: readonly [number | bigint, number | bigint]): number {
  return Number(ts[0]) + Number(ts[1]) * 0.000001;
}
