// Validation of submitted opcodes (docs/opcodes.md). Messages follow Ganeti 3.x's opcode
// decoding errors; the daemon sends them as "Failed to parse request: <message>".
import {clip, ellipsis, jsonHead, QUOTED_CHARS} from '../json/long-strings.js';
import {GANETI_CATALOGUE, OPCODES, ParamTypeError, showValue, type OpcodeDef, type ParamDef} from './definitions.js';

export class OpcodeValidationError extends Error {
  override name = 'OpcodeValidationError';
}

export interface ValidateOptions {
  readonly allowRelativeDepends: boolean;
}

export function isImplementedOpcode(opId: string): boolean {
  return OPCODES.has(opId);
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Haskell's `show` of a list of strings, as in Ganeti's key errors. */
function showKeys(keys: readonly string[]): string {
  return ellipsis(jsonHead(keys, QUOTED_CHARS + 1), QUOTED_CHARS);
}

function definitionOf(raw: Record<string, unknown>): OpcodeDef {
  if (!Object.hasOwn(raw, 'OP_ID')) {
    throw new OpcodeValidationError(`key 'OP_ID' not found, object contains only ${showKeys(Object.keys(raw))}`);
  }
  const opId = raw.OP_ID;
  if (typeof opId !== 'string') throw new OpcodeValidationError("key 'OP_ID': Unable to read String");
  const def = OPCODES.get(opId);
  if (def !== undefined) return def;
  const known = GANETI_CATALOGUE.has(opId) ? ' (not supported by ganeti-ts)' : '';
  throw new OpcodeValidationError(`Unknown opcode ${clip(opId, QUOTED_CHARS)}${known}`);
}

function paramValue(raw: Record<string, unknown>, p: ParamDef, opts: ValidateOptions): unknown {
  const present = Object.hasOwn(raw, p.name);
  if (!present && p.required) {
    throw new OpcodeValidationError(`key '${p.name}' not found, object contains only ${showKeys(Object.keys(raw))}`);
  }
  const value = present ? raw[p.name] : undefined;
  // As in Ganeti 3.x, null stands for "unset" wherever a parameter has a non-null default.
  // Defaults are primitives or lists of primitives; a list is copied so that opcodes never share it.
  if (!present || (value === null && p.default !== null)) return Array.isArray(p.default) ? [...p.default] : p.default;
  try {
    return p.check(value, opts);
  } catch (err) {
    if (err instanceof ParamTypeError) throw new OpcodeValidationError(`key '${p.name}': ${err.message}`);
    throw err;
  }
}

const NAMES = new WeakMap<OpcodeDef, ReadonlySet<string>>();

/** The parameter names of an opcode, as a set (every submitted opcode is checked against it). */
function paramNames(def: OpcodeDef): ReadonlySet<string> {
  let names = NAMES.get(def);
  if (names === undefined) {
    names = new Set(def.params.map((p) => p.name));
    NAMES.set(def, names);
  }
  return names;
}

/**
 * Validates a submitted opcode and fills the defaults of missing optional parameters.
 * Returns a new object holding OP_ID and every parameter of the opcode (nulls included), in the
 * order of the definition. `depends` may use negative (relative) job IDs only with
 * `allowRelativeDepends`; job IDs sent as strings are stored as integers.
 */
export function validateOpcode(raw: unknown, opts: ValidateOptions): Record<string, unknown> {
  if (!isJsonObject(raw)) {
    throw new OpcodeValidationError(`Unable to read opcode: expected a JSON object, got ${showValue(raw)}`);
  }
  const def = definitionOf(raw);
  const out: Record<string, unknown> = {OP_ID: def.id};
  for (const p of def.params) out[p.name] = paramValue(raw, p, opts);
  const names = paramNames(def);
  const superfluous = Object.keys(raw).filter((k) => k !== 'OP_ID' && !names.has(k));
  if (superfluous.length > 0) {
    const allowed = ['OP_ID', ...def.params.map((p) => p.name)].sort();
    throw new OpcodeValidationError(`Superfluous dictionary keys: ${showKeys(superfluous.sort())}, but only ${showKeys(allowed)} allowed.`);
  }
  return out;
}
