// Server side of the query filter language: the JSON form (docs/queries.md, 3.x semantics).
// A filter is decoded once into a tree (parse errors first, like 3.x decoding the request), then
// fields are resolved and the tree is turned into closures that are cheap to run per item.
import {RE2JS, RE2JSSyntaxException} from 're2js';
import {DistinctScalars} from '../json/distinct.js';
import {clip, ellipsis, head, jsonHeadValue, QUOTED_CHARS} from '../json/long-strings.js';
import {GanetiError, LuxiParseError, parameterError} from '../protocol/errors.js';

export type QueryValue = [status: number, value: unknown];

export interface FilterField<T> {
  kind: 'text' | 'bool' | 'number' | 'float' | 'unit' | 'timestamp' | 'other' | 'unknown';
  get(item: T): QueryValue;
  /**
   * get()'s value without the [status, value] pair: NO_DATA when the status is not normal. A
   * filter tests every item, and one pair per test was a fifth of what an idle `gnt-job top`'s
   * polls gave the garbage collector to do.
   */
  value?: (item: T) => unknown;
  /** true for the job *_ts fields: compare the seconds element */
  timestampPair?: boolean;
}

const RS_NORMAL = 0;
const MAX_DEPTH = 64;

/** FilterField.value()'s answer for a value without data. */
export const NO_DATA: unique symbol = Symbol('no data');

/** The field's value for the filter's tests, NO_DATA when it has none. */
function reader<T>(field: FilterField<T>): (item: T) => unknown {
  if (field.value !== undefined) return field.value;
  return (item) => {
    const [status, value] = field.get(item);
    return status === RS_NORMAL ? value : NO_DATA;
  };
}

type Numeric = number | bigint;
type Value = string | Numeric;
/** A [seconds, microseconds] filter value: accepted for timestamp-pair fields only. */
type TimestampValue = readonly [Numeric, Numeric];
type Comparison = '==' | '<' | '<=' | '>' | '>=';

type Node =
  | {op: 'empty'}
  | {op: '&' | '|'; kids: Node[]}
  | {op: '!'; kid: Node}
  | {op: '?'; field: string}
  | {op: Comparison; field: string; value: Value | TimestampValue}
  | {op: '=~'; field: string; regex: FilterRegex}
  | {op: '=[]'; field: string; value: Value}
  /** A long run of `==` tests on one field within an OR: the distinct values, the first first. */
  | {op: 'in'; field: string; values: Value[]};

const EMPTY: Node = {op: 'empty'};
const COMPARISONS = new Map<unknown, Comparison>([
  ['==', '=='],
  ['=', '=='],
  ['<', '<'],
  ['<=', '<='],
  ['>', '>'],
  ['>=', '>='],
]);

/** A JSON rendering in the style of Ganeti's error messages (", " and ": " separators), cut at QUOTED_CHARS. */
function ppJson(v: unknown): string {
  return ellipsis(ppJsonWhole(jsonHeadValue(v, QUOTED_CHARS + 1)), QUOTED_CHARS);
}

function ppJsonWhole(v: unknown): string {
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v)) return `[${v.map(ppJsonWhole).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}: ${ppJsonWhole(x)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function isInteger(v: unknown): v is Numeric {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
}

/** Longer patterns are refused: RE2 compiles in time and memory that grow with the pattern. */
export const MAX_REGEX_LENGTH = 4096;

export interface FilterRegex {
  test(value: string): boolean;
}

/**
 * Compiles a filter regular expression with RE2 (re2js), which matches in time linear in the
 * value: no pattern can backtrack catastrophically and stall the daemon. RE2 reads PCRE syntax,
 * inline flags (`(?i)`, `(?s)`, `(?is)`, also mid-pattern) and Python's `re.escape` output; it
 * refuses backreferences and lookaround. Throws a SyntaxError whose message is the bare reason.
 */
export function compileRegex(pattern: string): FilterRegex {
  if (pattern.length > MAX_REGEX_LENGTH) throw new SyntaxError(`pattern longer than ${MAX_REGEX_LENGTH} characters`);
  try {
    return RE2JS.compile(pattern);
  } catch (err) {
    if (err instanceof RE2JSSyntaxException) throw new SyntaxError(err.getDescription());
    throw new SyntaxError((err as Error).message);
  }
}

/** A pattern in an error message: long ones are cut. */
function showPattern(pattern: string): string {
  return pattern.length > 200 ? `${head(pattern, 200)}...` : pattern;
}

function fieldName(v: unknown): string {
  if (typeof v !== 'string') throw new LuxiParseError(`Cannot deserialise field name, expecting string, got ${ppJson(v)}`);
  return v;
}

function filterValue(v: unknown): Value {
  if (typeof v === 'string' || isInteger(v)) return v;
  if (typeof v === 'number') {
    throw new LuxiParseError(`Cannot deserialise numeric filter value, expecting integral but got a fractional value: ${v}`);
  }
  throw new LuxiParseError(`Cannot deserialise filter value, expecting string or integer, got ${ppJson(v)}`);
}

function isTimestampValue(v: unknown): v is TimestampValue {
  return Array.isArray(v) && v.length === 2 && isInteger(v[0]) && isInteger(v[1]);
}

/**
 * Steps of the filter's walks between two chances to pause: the walks are generators that
 * yield every STEPS_PER_YIELD steps; compileFilter runs them through, compileFilterSliced
 * pauses between (a 60 MiB OR of 3.3 million tests took 150 ms to read, twice per query).
 */
const STEPS_PER_YIELD = 16384;
type Walk<R> = Generator<undefined, R, undefined>;
const steps = {n: 0};
function tick(): boolean {
  return ++steps.n % STEPS_PER_YIELD === 0;
}

function runThrough<R>(walk: Walk<R>): R {
  for (;;) {
    const r = walk.next();
    if (r.done === true) return r.value;
  }
}

async function runSliced<R>(walk: Walk<R>, pause: () => Promise<void>): Promise<R> {
  for (;;) {
    const r = walk.next();
    if (r.done === true) return r.value;
    await pause();
  }
}

function* parseNode(f: unknown, depth: number): Walk<Node> {
  if (f === null) return EMPTY;
  if (depth > MAX_DEPTH) throw parameterError('Filter nested too deep');
  if (!Array.isArray(f) || typeof f[0] !== 'string') {
    throw new LuxiParseError(`Cannot deserialise filter: expected array [string, args], got ${ppJson(f)}`);
  }
  const op = f[0];
  if (op === '&' || op === '|') {
    const kids: Node[] = [];
    for (let i = 1; i < f.length; ) {
      if (tick()) yield;
      const end = op === '|' && depth < MAX_DEPTH ? yield* equalityRunEnd(f, i) : i;
      if (end - i >= EQUALITY_SET_MIN) {
        kids.push(yield* equalityRun(f, i, end));
        i = end;
      } else {
        kids.push(yield* parseNode(f[i], depth + 1));
        i++;
      }
    }
    return {op, kids};
  }
  const args: unknown[] = f.slice(1);
  switch (op) {
    case '!':
      if (args.length !== 1) throw new LuxiParseError(`Cannot deserialise field, expected [filter] but got ${ppJson(args)}`);
      return {op, kid: yield* parseNode(args[0], depth + 1)};
    case '?':
      if (args.length !== 1) throw new LuxiParseError(`Cannot deserialise field, expected [fieldname] but got ${ppJson(args)}`);
      return {op, field: fieldName(args[0])};
  }
  const comparison = COMPARISONS.get(op);
  if (comparison === undefined && op !== '!=' && op !== '=~' && op !== '=[]') {
    throw new LuxiParseError(`Unknown filter operand '${op}'`);
  }
  if (args.length !== 2) {
    throw new LuxiParseError(`Cannot deserialise field/value pair, expected [fieldname, value] but got ${ppJson(args)}`);
  }
  const field = fieldName(args[0]);
  if (op === '=~') {
    if (typeof args[1] !== 'string') {
      throw new LuxiParseError(`Cannot deserialise regular expression, expecting string, got ${ppJson(args[1])}`);
    }
    try {
      return {op, field, regex: compileRegex(args[1])};
    } catch (err) {
      throw new LuxiParseError(`Invalid regular expression '${showPattern(args[1])}': ${clip((err as Error).message, QUOTED_CHARS)}`);
    }
  }
  if (op === '=[]') return {op, field, value: filterValue(args[1])};
  const value = isTimestampValue(args[1]) ? args[1] : filterValue(args[1]);
  // "!=" is the negation of "==", so an item without data (accepted by "==") is rejected.
  return comparison === undefined ? {op: '!', kid: {op: '==', field, value}} : {op: comparison, field, value};
}

/** A leaf `["==", field, value]` (or "=") with a string or integer value. */
function plainEquality(k: unknown): k is [string, string, Value] {
  return (
    Array.isArray(k) &&
    k.length === 3 &&
    (k[0] === '==' || k[0] === '=') &&
    typeof k[1] === 'string' &&
    (typeof k[2] === 'string' || isInteger(k[2]))
  );
}

/**
 * Where the run of plain equality tests on one field, with values of one type, that starts at
 * f[i] ends (i when f[i] is none).
 */
function* equalityRunEnd(f: unknown[], i: number): Walk<number> {
  const first = f[i];
  if (!plainEquality(first)) return i;
  const isString = typeof first[2] === 'string';
  let end = i + 1;
  while (end < f.length) {
    if (tick()) yield;
    const k = f[end];
    if (!plainEquality(k) || k[1] !== first[1] || (typeof k[2] === 'string') !== isString) break;
    end++;
  }
  return end;
}

/**
 * A run of equality tests as one node with its distinct values: a filter naming millions of
 * ids (a Query's OR of 60 MiB) costs one value each, not a node and a closure each.
 */
function* equalityRun(f: unknown[], i: number, end: number): Walk<Node> {
  const seen = new DistinctScalars();
  const values: Value[] = [];
  for (let k = i; k < end; k++) {
    if (tick()) yield;
    const v = (f[k] as [string, string, Value])[2];
    if (seen.add(typeof v === 'string' ? v : numberKey(v))) values.push(v);
  }
  return {op: 'in', field: (f[i] as [string, string, Value])[1], values};
}

function* parseFilterWalk(filter: unknown): Walk<Node> {
  if (Array.isArray(filter) && filter.length === 0) return EMPTY;
  return yield* parseNode(filter, 1);
}

function parseFilter(filter: unknown): Node {
  return runThrough(parseFilterWalk(filter));
}

/** Code point order (plain `<` on strings compares UTF-16 code units). */
function compareStrings(x: string, y: string): number {
  if (x === y) return 0;
  const n = Math.min(x.length, y.length);
  // Only the first n characters count: a 60 MiB value is not read whole (made flat) to be
  // compared with a job's status.
  const a = x.length > n ? head(x, n) : x;
  const b = y.length > n ? head(y, n) : y;
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return x.length - y.length;
  return codePointOrderUnit(a.charCodeAt(i)) - codePointOrderUnit(b.charCodeAt(i));
}

function codePointOrderUnit(u: number): number {
  if (u >= 0xe000) return u - 0x800;
  if (u >= 0xd800) return u + 0x2000;
  return u;
}

function compareNumbers(a: Numeric, b: Numeric): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isNumber(v: unknown): v is Numeric {
  return typeof v === 'number' || typeof v === 'bigint';
}

const ORDER: Record<Comparison, (c: number) => boolean> = {
  '==': (c) => c === 0,
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

function typeMismatch(actual: unknown, value: Value): GanetiError {
  return parameterError(`Invalid types in comparison, trying to compare ${ppJson(actual)} with '${clip(String(value), QUOTED_CHARS)}'`);
}

function timestamp(v: unknown): [Numeric, Numeric] {
  if (Array.isArray(v) && v.length === 2 && isNumber(v[0]) && isNumber(v[1])) return [v[0], v[1]];
  throw new GanetiError('ProgrammerError', ['Internal error: Getter returned non-timestamp for QffTimestamp']);
}

type Test = (v: unknown) => boolean;

function comparisonTest(op: Comparison, value: Value): Test {
  const accept = ORDER[op];
  if (typeof value === 'string') {
    return (v) => {
      if (typeof v !== 'string') throw typeMismatch(v, value);
      return accept(compareStrings(v, value));
    };
  }
  return (v) => {
    if (!isNumber(v)) throw typeMismatch(v, value);
    return accept(compareNumbers(v, value));
  };
}

function timestampComparisonTest(op: Comparison, [s, us]: TimestampValue): Test {
  const accept = ORDER[op];
  return (v) => {
    const [vs, vus] = timestamp(v);
    return accept(compareNumbers(vs, s) || compareNumbers(vus, us));
  };
}

function conversionError(v: unknown, what: string): GanetiError {
  return new GanetiError('GenericError', [`Cannot convert value '${ppJson(v)}', error: Unable to read ${what}`]);
}

function containsTest(value: Value): Test {
  const isString = typeof value === 'string';
  return (v) => {
    if (!Array.isArray(v)) throw conversionError(v, 'list');
    let found = false;
    for (const e of v) {
      if (isString ? typeof e !== 'string' : !isNumber(e)) throw conversionError(v, isString ? 'String' : 'Integer');
      // biome-ignore lint/suspicious/noDoubleEquals: == so that number and bigint compare by value
      if (e == value) found = true;
    }
    return found;
  };
}

type Leaf = Exclude<Node, {op: 'empty' | '&' | '|' | '!' | 'in'}>;

function leafTest(node: Leaf): Test {
  switch (node.op) {
    case '?':
      return (v) => {
        if (typeof v !== 'boolean') throw parameterError(`Unexpected value '${ppJson(v)}' in boolean context`);
        return v;
      };
    case '=~': {
      const {regex} = node;
      return (v) => {
        if (typeof v !== 'string') {
          throw parameterError(`Invalid field value used in regexp matching, expecting string but got '${ppJson(v)}'`);
        }
        return regex.test(v);
      };
    }
    case '=[]':
      return containsTest(node.value);
    default:
      return typeof node.value === 'object' ? timestampComparisonTest(node.op, node.value) : comparisonTest(node.op, node.value);
  }
}

/** Timestamp-pair fields are filtered on their seconds, unless the filter value is a pair too. */
function fieldTest(node: Leaf, timestampPair: boolean): Test {
  const pairValue = 'value' in node && typeof node.value === 'object';
  if (pairValue && !timestampPair) {
    throw new LuxiParseError(`Cannot deserialise filter value, expecting string or integer, got ${ppJson(node.value)}`);
  }
  const test = leafTest(node);
  return timestampPair && !pairValue ? (v) => test(timestamp(v)[0]) : test;
}

function compileNode<T>(node: Node, lookup: (name: string) => FilterField<T> | undefined): (item: T) => boolean {
  switch (node.op) {
    case 'empty':
      return () => true;
    case '&': {
      const kids = node.kids.map((k) => compileNode(k, lookup));
      return (item) => {
        for (const k of kids) if (!k(item)) return false;
        return true;
      };
    }
    case '|': {
      const kids = compileAlternatives(node.kids, lookup);
      return (item) => {
        for (const k of kids) if (k(item)) return true;
        return false;
      };
    }
    case '!': {
      const kid = compileNode(node.kid, lookup);
      return (item) => !kid(item);
    }
    case 'in':
      return compileEqualityRun(node, lookup);
  }
  const field = lookup(node.field);
  if (field === undefined) throw parameterError(`Can't find field named '${node.field}'`);
  const test = fieldTest(node, field.timestampPair === true);
  // A value without data (unavailable, offline, ...) passes the condition (3.x: "no data, accept").
  const read = reader(field);
  return (item) => {
    const value = read(item);
    return value === NO_DATA || test(value);
  };
}

/** Runs of this many equality tests on one field are looked up in a set. */
const EQUALITY_SET_MIN = 8;

type Equality = {op: '=='; field: string; value: Value};

function isEquality(n: Node): n is Equality {
  return n.op === '==' && typeof n.value !== 'object';
}

/** Numbers as set keys: a bigint and a number of the same value must be one key. */
function numberKey(v: Numeric): Numeric {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v;
  return Number.isInteger(v) && !Number.isSafeInteger(v) ? BigInt(v) : v;
}

/**
 * The kids of an OR node. A long run of equality tests on one field with values of one type
 * (QueryJobs, `gnt-job list 1 2 3 ...`) becomes one set lookup, so that a query naming n items
 * costs O(n), not O(n) per item. The run answers as its tests one by one would: no data accepts,
 * a value of the other type fails the query with the first test's error.
 */
function compileAlternatives<T>(kids: Node[], lookup: (name: string) => FilterField<T> | undefined): Array<(item: T) => boolean> {
  const out: Array<(item: T) => boolean> = [];
  for (let i = 0; i < kids.length; ) {
    const first = kids[i]!;
    let end = i + 1;
    if (isEquality(first)) {
      const isString = typeof first.value === 'string';
      while (end < kids.length) {
        const k = kids[end]!;
        if (!isEquality(k) || k.field !== first.field || (typeof k.value === 'string') !== isString) break;
        end++;
      }
    }
    const field = isEquality(first) ? lookup(first.field) : undefined;
    if (end - i < EQUALITY_SET_MIN || field === undefined || field.timestampPair === true) {
      for (const k of kids.slice(i, end)) out.push(compileNode(k, lookup));
      i = end;
      continue;
    }
    const run = kids.slice(i, end) as Equality[];
    const firstValue = run[0]!.value;
    const read = reader(field);
    if (typeof firstValue === 'string') {
      const set = new Set(run.map((k) => k.value));
      out.push((item) => {
        const v = read(item);
        if (v === NO_DATA) return true;
        if (typeof v !== 'string') throw typeMismatch(v, firstValue);
        return set.has(v);
      });
    } else {
      const set = new Set(run.map((k) => numberKey(k.value as Numeric)));
      out.push((item) => {
        const v = read(item);
        if (v === NO_DATA) return true;
        if (!isNumber(v)) throw typeMismatch(v, firstValue);
        return set.has(numberKey(v));
      });
    }
    i = end;
  }
  return out;
}

/**
 * A run of equality tests as one set lookup, answering as its tests one by one would: no data
 * accepts, a value of the other type fails the query with the first test's error.
 */
function compileEqualityRun<T>(
  node: {field: string; values: Value[]},
  lookup: (name: string) => FilterField<T> | undefined,
): (item: T) => boolean {
  const field = lookup(node.field);
  if (field === undefined) throw parameterError(`Can't find field named '${node.field}'`);
  if (field.timestampPair === true) {
    const kids = node.values.map((value) => compileNode({op: '==', field: node.field, value}, lookup));
    return (item) => kids.some((k) => k(item));
  }
  const firstValue = node.values[0]!;
  const read = reader(field);
  if (typeof firstValue === 'string') {
    const set = new Set(node.values);
    return (item) => {
      const v = read(item);
      if (v === NO_DATA) return true;
      if (typeof v !== 'string') throw typeMismatch(v, firstValue);
      return set.has(v);
    };
  }
  const set = new Set(node.values.map((v) => numberKey(v as Numeric)));
  return (item) => {
    const v = read(item);
    if (v === NO_DATA) return true;
    if (!isNumber(v)) throw typeMismatch(v, firstValue);
    return set.has(numberKey(v));
  };
}

/**
 * Compiles a JSON filter (null or [] = everything). Throws LuxiParseError for a malformed filter,
 * ParameterError for unknown fields or excessive nesting; evaluation throws on type mismatches.
 */
export function compileFilter<T>(filter: unknown, lookup: (name: string) => FilterField<T> | undefined): (item: T) => boolean {
  return compileNode(parseFilter(filter), lookup);
}

/** compileFilter with `pause` awaited every few thousand steps of reading the filter. */
export async function compileFilterSliced<T>(
  filter: unknown,
  lookup: (name: string) => FilterField<T> | undefined,
  pause: () => Promise<void>,
): Promise<(item: T) => boolean> {
  return compileNode(await runSliced(parseFilterWalk(filter), pause), lookup);
}

/** Names of the fields a filter refers to, in order of first appearance; throws like compileFilter. */
export function filterFieldNames(filter: unknown): string[] {
  return fieldNamesOf(parseFilter(filter));
}

/** filterFieldNames with `pause` awaited every few thousand steps of reading the filter. */
export async function filterFieldNamesSliced(filter: unknown, pause: () => Promise<void>): Promise<string[]> {
  return fieldNamesOf(await runSliced(parseFilterWalk(filter), pause));
}

function fieldNamesOf(node: Node): string[] {
  const names = new Set<string>();
  const walk = (n: Node): void => {
    if ('kids' in n) n.kids.forEach(walk);
    else if ('kid' in n) walk(n.kid);
    else if ('field' in n) names.add(n.field);
  };
  walk(node);
  return [...names];
}

function jobId(v: unknown): number | null {
  if (typeof v === 'string') v = /^[0-9]+$/.test(v) ? Number(v) : null;
  else if (typeof v === 'bigint') v = Number(v);
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
}

function* collectIds(f: unknown, idField: string, out: number[], seen: DistinctScalars, depth: number): Walk<boolean> {
  if (!Array.isArray(f) || depth > MAX_DEPTH) return false;
  if (f[0] === '|') {
    for (let i = 1; i < f.length; i++) {
      if (tick()) yield;
      if (!(yield* collectIds(f[i], idField, out, seen, depth + 1))) return false;
    }
    return true;
  }
  if ((f[0] === '==' || f[0] === '=') && f.length === 3 && f[1] === idField) {
    const id = jobId(f[2]);
    if (id === null) return false;
    if (seen.add(id)) out.push(id);
    return true;
  }
  return false;
}

/**
 * The IDs a query asks for by name (docs/queries.md, "Which jobs a query returns"): an OR tree, or a single leaf, of equality
 * tests on idField. null when the filter is empty or anything else.
 */
export function requestedIdsFromFilter(filter: unknown, idField: string): Array<number> | null {
  return runThrough(requestedIdsWalk(filter, idField));
}

/** requestedIdsFromFilter with `pause` awaited every few thousand steps. */
export function requestedIdsFromFilterSliced(filter: unknown, idField: string, pause: () => Promise<void>): Promise<Array<number> | null> {
  return runSliced(requestedIdsWalk(filter, idField), pause);
}

function* requestedIdsWalk(filter: unknown, idField: string): Walk<Array<number> | null> {
  if (filter === null) return null;
  const ids: number[] = [];
  if (!(yield* collectIds(filter, idField, ids, new DistinctScalars(), 1)) || ids.length === 0) return null;
  return ids;
}
