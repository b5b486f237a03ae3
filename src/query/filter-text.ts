// Client side of the query filter language: the text form users type (docs/queries.md), parsed
// the way the stock client's qlang (pyparsing 3.0) does, down to its quirks: keywords are only
// keywords where one fits ("not" alone is the boolean field "not"), quoted strings keep their
// backslashes, and regular expression flags may follow the closing delimiter after blanks.
import {pyInt, pyStringRepr, toJsInteger} from '../format/python.js';
import {GanetiError, opPrereqError} from '../protocol/errors.js';

const MAX_NESTING = 64;

const BINARY_OPERATORS: Record<string, string> = {
  '==': '==',
  '=': '==',
  '!=': '!=',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};
/** Longest first, so that "<=" is not read as "<". */
const OPERATOR_TOKENS = ['=~', '!~', '=*', '!*', '==', '!=', '<=', '>=', '<', '>', '='];
const REGEX_DELIMITERS = '/#^|';
const REGEX_FLAGS = 'is';

const FIELD_NAME = /[A-Za-z][A-Za-z0-9_/.]*/y;
const INTEGER = /[+-]?[0-9]+/y;
const FLAGS_WORD = /[A-Za-z]+/y;
const QUOTED_BODY: Record<string, RegExp> = {
  '"': /"(?:[^"\n\r\\]|""|\\(?:[^x]|x[0-9a-fA-F]+))*/y,
  "'": /'(?:[^'\n\r\\]|''|\\(?:[^x]|x[0-9a-fA-F]+))*/y,
};
const FOUND_TOKEN = /[\p{L}\p{N}]{1,16}|./suy;

const isIdentChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_$]/.test(c);
const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

function regexBody(delimiter: string): RegExp {
  const d = `\\${delimiter}`;
  return new RegExp(`${d}(?:[^${d}\\n\\r\\\\]|\\\\[^\\n])*`, 'y');
}
const REGEX_BODY = new Map([...REGEX_DELIMITERS].map((d) => [d, regexBody(d)]));

/** Backslash escapes in a regular expression literal, as pyparsing 3.0's QuotedString undoes them. */
function unescapeRegex(raw: string): string {
  if (!raw.includes('\\')) return raw;
  const blanks = raw.replaceAll('\\t', '\t').replaceAll('\\n', '\n').replaceAll('\\f', '\f').replaceAll('\\r', '\r');
  return blanks.replace(/\\([^\n])/g, '$1');
}

/** Python 3.7+ re.escape. */
function reEscape(text: string): string {
  return text.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, '\\$&');
}

/**
 * utils.DnsNameGlobPattern: `*` matches within one DNS label, `?` one character of it, and the
 * pattern matches a prefix of the name ending at a dot.
 */
export function dnsNameGlobPattern(glob: string): string {
  return `^${glob.replace(/\*|\?|[^*?]+/g, (m) => (m === '*' ? '[^.]*' : m === '?' ? '[^.]' : reEscape(m)))}(\\..*)?$`;
}

/** Thrown to backtrack; the furthest position reached and what was expected there make the message. */
const MISMATCH = Symbol('mismatch');

function listOr(items: string[]): string {
  return items.length === 1 ? items[0]! : `${items.slice(0, -1).join(', ')} or ${items.at(-1)!}`;
}

class FilterTextParser {
  private pos = 0;
  private nesting = 0;
  private furthest = -1;
  private expected: string[] = [];

  constructor(private readonly text: string) {}

  parse(): unknown[] {
    try {
      const filter = this.orExpr();
      this.skipBlanks();
      if (this.pos < this.text.length) this.fail('end of text');
      return filter;
    } catch (err) {
      if (err !== MISMATCH) throw err;
      throw this.error(this.furthest, `Expected ${listOr(this.expected)}, found ${this.found(this.furthest)}`);
    }
  }

  private found(pos: number): string {
    if (pos >= this.text.length) return 'end of text';
    FOUND_TOKEN.lastIndex = pos;
    return pyStringRepr(FOUND_TOKEN.exec(this.text)![0]);
  }

  /** A QueryFilterParseError pointing at pos, laid out like the stock client's report. */
  private error(pos: number, reason: string): GanetiError {
    const text = this.text;
    const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
    const newline = text.indexOf('\n', pos);
    const lineEnd = newline < 0 ? text.length : newline;
    const chars = (s: string): number => [...s].length;
    const line = text.slice(0, pos).split('\n').length;
    const column = chars(text.slice(lineStart, pos)) + 1;
    return new GanetiError('QueryFilterParseError', [
      `Failed to parse query filter '${text}': ${reason}  (at char ${chars(text.slice(0, pos))}), ` +
        `(line:${line}, col:${column})\n${text.slice(lineStart, lineEnd)}\n${' '.repeat(column - 1)}^`,
    ]);
  }

  private expect(what: string): void {
    if (this.pos > this.furthest) {
      this.furthest = this.pos;
      this.expected = [];
    }
    if (this.pos === this.furthest && !this.expected.includes(what)) this.expected.push(what);
  }

  private fail(what: string): never {
    this.expect(what);
    throw MISMATCH;
  }

  private skipBlanks(): void {
    while (isBlank(this.text[this.pos])) this.pos++;
  }

  private match(re: RegExp): string | null {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (m === null) return null;
    this.pos += m[0].length;
    return m[0];
  }

  /** A keyword must not touch identifier characters on either side ("1and" is no "and"). */
  private atKeyword(word: string): boolean {
    const {text, pos} = this;
    return text.startsWith(word, pos) && !isIdentChar(text[pos + word.length]) && !isIdentChar(text[pos - 1]);
  }

  private keyword(word: string): boolean {
    const save = this.pos;
    this.skipBlanks();
    if (this.atKeyword(word)) {
      this.pos += word.length;
      return true;
    }
    this.expect(`'${word}'`);
    this.pos = save;
    return false;
  }

  private literal(word: string): boolean {
    this.skipBlanks();
    if (!this.text.startsWith(word, this.pos)) return false;
    this.pos += word.length;
    return true;
  }

  private nested<T>(parse: () => T): T {
    if (this.nesting >= MAX_NESTING) throw this.error(this.pos, 'Filter nested too deep');
    this.nesting++;
    try {
      return parse();
    } finally {
      this.nesting--;
    }
  }

  private orExpr(): unknown[] {
    const operands = [this.andExpr()];
    while (this.keyword('or')) operands.push(this.andExpr());
    return operands.length === 1 ? operands[0]! : ['|', ...operands];
  }

  private andExpr(): unknown[] {
    const operands = [this.factor()];
    while (this.keyword('and')) operands.push(this.factor());
    return operands.length === 1 ? operands[0]! : ['&', ...operands];
  }

  private factor(): unknown[] {
    this.skipBlanks();
    const start = this.pos;
    if (this.atKeyword('not')) {
      try {
        return this.nested(() => {
          this.pos += 3;
          return ['!', this.factor()];
        });
      } catch (err) {
        if (err !== MISMATCH) throw err;
        this.pos = start; // "not" with nothing negatable after it is a field name
      }
    } else if (this.text[start] === '(') {
      return this.nested(() => {
        this.pos++;
        const inner = this.orExpr();
        if (!this.literal(')')) this.fail("')'");
        return inner;
      });
    }
    return this.condition();
  }

  private condition(): unknown[] {
    const c = this.text[this.pos];
    if (c !== undefined && /[A-Za-z]/.test(c)) return this.fieldCondition();
    if (c !== undefined && /["'0-9+-]/.test(c)) return this.inCondition();
    this.expect('a condition');
    return this.fail("'('");
  }

  private fieldName(): string {
    this.skipBlanks();
    return this.match(FIELD_NAME) ?? this.fail('a field name');
  }

  private fieldCondition(): unknown[] {
    const field = this.fieldName();
    const afterField = this.pos;
    this.skipBlanks();
    const op = OPERATOR_TOKENS.find((t) => this.text.startsWith(t, this.pos));
    if (op === undefined) {
      this.expect('an operator');
      this.pos = afterField;
      return ['?', field];
    }
    this.pos += op.length;
    let cond: unknown[];
    switch (op) {
      case '=~':
      case '!~':
        cond = ['=~', field, this.regex()];
        break;
      case '=*':
      case '!*':
        cond = ['=~', field, dnsNameGlobPattern(this.quotedString() ?? this.fail('a quoted string'))];
        break;
      default:
        return [BINARY_OPERATORS[op]!, field, this.value()];
    }
    return op.startsWith('!') ? ['!', cond] : cond;
  }

  private inCondition(): unknown[] {
    const value = this.value();
    if (this.literal('in')) return ['=[]', this.fieldName(), value];
    if (this.literal('not')) {
      if (this.literal('in')) return ['!', ['=[]', this.fieldName(), value]];
      return this.fail("'in'");
    }
    this.expect("'in'");
    return this.fail("'not in'");
  }

  private value(): string | number | bigint {
    this.skipBlanks();
    const quoted = this.quotedString();
    if (quoted !== null) return quoted;
    const digits = this.match(INTEGER);
    if (digits !== null) return toJsInteger(BigInt(digits));
    return this.fail('a quoted string or an integer');
  }

  /** pyparsing's quotedString: the text between the quotes, backslashes and doubled quotes kept. */
  private quotedString(): string | null {
    this.skipBlanks();
    const quote = this.text[this.pos];
    const body = quote === undefined ? undefined : QUOTED_BODY[quote];
    if (body === undefined) return null;
    const start = this.pos;
    this.match(body);
    if (this.text[this.pos] !== quote) return this.fail(`'${quote}'`);
    this.pos++;
    return this.text.slice(start + 1, this.pos - 1);
  }

  private regex(): string {
    this.skipBlanks();
    const start = this.pos;
    if (this.text[this.pos] === 'm') {
      this.pos++;
      this.skipBlanks();
    }
    const delimiter = this.text[this.pos];
    const body = delimiter === undefined ? undefined : REGEX_BODY.get(delimiter);
    if (body === undefined) return this.fail('a regular expression');
    const bodyStart = this.pos + 1;
    this.match(body);
    if (this.text[this.pos] !== delimiter) return this.fail(`'${delimiter}'`);
    const pattern = unescapeRegex(this.text.slice(bodyStart, this.pos));
    this.pos++;
    const beforeFlags = this.pos;
    this.skipBlanks();
    const flagsAt = this.pos;
    const flags = this.match(FLAGS_WORD);
    if (flags === null) this.pos = beforeFlags;
    const unknown = [...new Set(flags ?? '')].filter((f) => !REGEX_FLAGS.includes(f));
    if (unknown.length > 0) throw this.error(flagsAt, `Unknown regular expression flags: '${unknown.join('')}'`);
    const result = flags === null ? pattern : `(?${[...flags].sort().join('')})${pattern}`;
    try {
      checkPattern(result);
    } catch (err) {
      throw this.error(start, `Invalid regular expression (${(err as Error).message})`);
    }
    return result;
  }
}

/** Parses a textual filter into the JSON form; throws QueryFilterParseError. */
export function parseFilterText(text: string): unknown[] {
  return new FilterTextParser(text).parse();
}

/** Characters that make a lone command line argument a filter rather than a name (qlang). */
const FILTER_CHARS = /[\t\n\v\f\r !"'()/<=>\\~]/;

export function isFilterText(arg: string): boolean {
  return FILTER_CHARS.test(arg);
}

/** The filter for `gnt-job list 1 2 3`: null without IDs; each must be a Python int literal. */
export function makeIdFilter(ids: string[]): unknown[] | null {
  if (ids.length === 0) return null;
  return [
    '|',
    ...ids.map((id) => {
      const n = pyInt(id);
      if (n === null) {
        throw opPrereqError(`Invalid job ID passed: invalid literal for int() with base 10: ${pyStringRepr(id)}`, 'wrong_input');
      }
      return ['==', 'id', toJsInteger(n)];
    }),
  ];
}

// ---------------------------------------------------------------------------------------------
// Printing

const KEYWORDS = new Set(['and', 'or', 'not']);
const FIELD_NAME_ONLY = /^[A-Za-z][A-Za-z0-9_/.]*$/;
const REPRESENTABLE_QUOTED: Record<string, RegExp> = {
  '"': /^(?:[^"\n\r\\]|""|\\(?:[^x]|x[0-9a-fA-F]+))*$/,
  "'": /^(?:[^'\n\r\\]|''|\\(?:[^x]|x[0-9a-fA-F]+))*$/,
};

/** Precedence of a printed piece: or < and < not < condition. */
const Level = {Or: 0, And: 1, Not: 2, Condition: 3} as const;

interface Printed {
  text: string;
  level: number;
  /** Blanks and letters after a regular expression literal would be read as its flags. */
  endsWithRegex: boolean;
}

function inexpressible(what: string, filter: unknown): Error {
  return new Error(
    `Filter can't be written as text: ${what} in ${JSON.stringify(filter, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`,
  );
}

function printField(f: unknown, filter: unknown): string {
  if (typeof f !== 'string' || !FIELD_NAME_ONLY.test(f)) throw inexpressible('field name', filter);
  return f;
}

function printValue(v: unknown, filter: unknown): string {
  if (typeof v === 'bigint' || (typeof v === 'number' && Number.isSafeInteger(v))) return String(v);
  if (typeof v === 'string') {
    for (const quote of ['"', "'"]) if (REPRESENTABLE_QUOTED[quote]!.test(v)) return quote + v + quote;
  }
  throw inexpressible('value', filter);
}

/** The inverse of unescapeRegex; a backslash before t, n, f or r cannot survive the round trip. */
function printRegex(re: unknown, filter: unknown): string {
  if (typeof re !== 'string' || /\\[tnfr]/.test(re)) throw inexpressible('regular expression', filter);
  return `/${re.replace(/[\\/\n\r]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`))}/`;
}

function printNode(f: unknown): Printed {
  if (!Array.isArray(f)) throw inexpressible('not a filter', f);
  const [op, a, b] = f as unknown[];
  const condition = (text: string, endsWithRegex = false): Printed => ({text, level: Level.Condition, endsWithRegex});
  switch (op) {
    case '&':
    case '|': {
      if (f.length < 3) throw inexpressible('fewer than two operands', f);
      const parts = f.slice(1).map(printNode);
      const text = parts.map((p, i) => {
        const wrap = p.level <= Level.And || (p.endsWithRegex && i < parts.length - 1);
        return wrap ? `(${p.text})` : p.text;
      });
      const last = parts.at(-1)!;
      return {
        text: text.join(op === '&' ? ' and ' : ' or '),
        level: op === '&' ? Level.And : Level.Or,
        endsWithRegex: last.endsWithRegex && last.level > Level.And,
      };
    }
    case '!': {
      if (f.length !== 2) break;
      if (Array.isArray(a) && a.length === 3 && a[0] === '=~') {
        return condition(`${printField(a[1], f)} !~ ${printRegex(a[2], f)}`, true);
      }
      if (Array.isArray(a) && a.length === 3 && a[0] === '=[]') {
        return condition(`${printValue(a[2], f)} not in ${printField(a[1], f)}`);
      }
      const inner = printNode(a);
      const wrap = inner.level <= Level.And;
      return {
        text: `not ${wrap ? `(${inner.text})` : inner.text}`,
        level: Level.Not,
        endsWithRegex: inner.endsWithRegex && !wrap,
      };
    }
    case '?': {
      if (f.length !== 2) break;
      const field = printField(a, f);
      return condition(KEYWORDS.has(field) ? `(${field})` : field);
    }
    case '=~':
      if (f.length !== 3) break;
      return condition(`${printField(a, f)} =~ ${printRegex(b, f)}`, true);
    case '=[]':
      if (f.length !== 3) break;
      return condition(`${printValue(b, f)} in ${printField(a, f)}`);
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
      if (f.length !== 3) break;
      return condition(`${printField(a, f)} ${op} ${printValue(b, f)}`);
  }
  throw inexpressible(`operator ${JSON.stringify(op)}`, f);
}

/**
 * Writes a JSON filter as text that parseFilterText reads back to the same JSON. Throws for
 * filters the text form cannot produce (legacy "=", AND/OR with fewer than two operands, strings
 * with line breaks or both kinds of unpaired quotes, ...).
 */
export function formatFilterText(filter: unknown[]): string {
  return printNode(filter).text;
}

const LEADING_FLAGS = /^\(\?([ims]+)\)/;

/**
 * Checks a pattern as the stock client does before sending it (Python's `re`: inline flags only
 * at the start). JavaScript has no inline flag groups, so leading ones become RegExp flags; no
 * `u` flag, since Python's re.escape output (`\-`, `\#`) is invalid in unicode mode. Throws a
 * SyntaxError whose message is the bare reason ("Unterminated group").
 */
export function checkPattern(pattern: string): void {
  const flags = new Set<string>();
  let body = pattern;
  for (let m = LEADING_FLAGS.exec(body); m !== null; m = LEADING_FLAGS.exec(body)) {
    for (const f of m[1]!) flags.add(f);
    body = body.slice(m[0].length);
  }
  try {
    new RegExp(body, [...flags].join(''));
  } catch (err) {
    const message = (err as Error).message;
    throw new SyntaxError(message.slice(message.lastIndexOf(': ') + 1).trim());
  }
}
