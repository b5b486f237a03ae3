// Query result building shared by every resource: field definitions, statuses, unknown fields.
import {clip, QUOTED_CHARS} from '../json/long-strings.js';
import {opPrereqError} from '../protocol/errors.js';
import type {FieldDefinition, QueryValue} from '../protocol/luxi-contract.js';

export const RS_NORMAL = 0;
export const RS_UNKNOWN = 1;
export const RS_NODATA = 2;
export const RS_UNAVAIL = 3;
export const RS_OFFLINE = 4;

export type {FieldDefinition, FieldKind, QueryValue} from '../protocol/luxi-contract.js';

export interface Field<T> extends FieldDefinition {
  get(item: T): QueryValue;
  /** get()'s value for filters, without the pair (query/filter.ts FilterField.value). */
  value?: (item: T) => unknown;
  /** Filters compare the seconds element of [s, us] timestamps. */
  timestampPair?: boolean;
}

export type FieldSet<T> = Map<string, Field<T>>;

export function fieldSet<T>(fields: Array<Field<T>>): FieldSet<T> {
  return new Map(fields.map((f) => [f.name, f]));
}

export function definition(f: FieldDefinition): FieldDefinition {
  return {name: f.name, title: f.title, kind: f.kind, doc: f.doc};
}

export function unknownDefinition(name: string): FieldDefinition {
  return {name, title: name, kind: 'unknown', doc: `Unknown field '${clip(name, QUOTED_CHARS)}'`};
}

const UNKNOWN_VALUE: QueryValue = [RS_UNKNOWN, null];

/** Getters for the requested names (unknown names yield [RS_UNKNOWN, null]). */
export function selectFields<T>(set: FieldSet<T>, names: string[]): {defs: FieldDefinition[]; getters: Array<(item: T) => QueryValue>} {
  const defs: FieldDefinition[] = [];
  const getters: Array<(item: T) => QueryValue> = [];
  for (const name of names) {
    const f = set.get(name);
    if (f === undefined) {
      defs.push(unknownDefinition(name));
      getters.push(() => UNKNOWN_VALUE);
    } else {
      defs.push(definition(f));
      getters.push((item) => f.get(item));
    }
  }
  return {defs, getters};
}

/** QueryFields: all fields sorted by name, or the requested ones in order. */
export function queryFields<T>(set: FieldSet<T>, names: string[] | null): {fields: FieldDefinition[]} {
  if (names === null || names.length === 0) {
    const collator = new Intl.Collator('en', {numeric: true});
    return {fields: [...set.values()].sort((a, b) => collator.compare(a.name, b.name)).map(definition)};
  }
  return {
    fields: names.map((n) => {
      const f = set.get(n);
      return f === undefined ? unknownDefinition(n) : definition(f);
    }),
  };
}

/** Old-style queries (QueryJobs, QueryNodes, ...) refuse unknown fields. */
export function checkOldStyleFields<T>(set: FieldSet<T>, names: string[]): void {
  const unknown = names.filter((n) => !set.has(n));
  if (unknown.length === 0) return;
  // A request's names quoted clipped (a 60 MiB name was joined into one flat copy, docs/luxi.md).
  const shown = clip(
    unknown
      .slice(0, QUOTED_CHARS)
      .map((n) => clip(n, QUOTED_CHARS))
      .join(', '),
    QUOTED_CHARS,
  );
  throw opPrereqError(`Unknown output fields selected: ${shown}`, 'wrong_input');
}

export function plainValue(v: QueryValue): unknown {
  return v[0] === RS_NORMAL ? v[1] : null;
}
