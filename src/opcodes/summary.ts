// Job summaries (docs/opcodes.md): the Ganeti 3.x rendering the stock tools show.
import {GANETI_CATALOGUE, OPCODES, ParamTypeError, type OpcodeDef} from './definitions.js';
import {OpcodeValidationError, isJsonObject, validateOpcode} from './validate.js';

/** Haskell's `show` for a Double (docs/opcodes.md, "Summaries"). */
export function showHaskellDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x < 0 || Object.is(x, -0)) return `-${showHaskellDouble(-x)}`;
  if (x === Infinity) return 'Infinity';
  if (x === 0) return '0.0';
  // toExponential() without an argument gives the shortest round-tripping digits, like toString.
  const [mantissa = '', exponent = '0'] = x.toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const e = Number(exponent) + 1; // x = 0.<digits> × 10^e
  if (e < 0 || e > 7) return `${digits[0]}.${digits.slice(1) || '0'}e${e - 1}`;
  if (e === 0) return `0.${digits}`;
  return `${digits.slice(0, e).padEnd(e, '0')}.${digits.slice(e) || '0'}`;
}

/** The summary without the field: also that of an input which does not decode as an opcode. */
function bareSummary(input: unknown): string {
  if (!isJsonObject(input)) return 'INVALID_OP';
  const opId = Object.hasOwn(input, 'OP_ID') && input.OP_ID !== null ? input.OP_ID : 'OP_INVALID_OP';
  return typeof opId === 'string' ? opId.slice(3) : 'INVALID_OP';
}

function implementedSummary(def: OpcodeDef, input: unknown): string {
  let op: Record<string, unknown>;
  try {
    op = validateOpcode(input, {allowRelativeDepends: true});
  } catch (err) {
    if (err instanceof OpcodeValidationError) return bareSummary(input);
    throw err;
  }
  const param = def.params.find((p) => p.name === def.summaryParam);
  if (param === undefined) return def.id.slice(3);
  const value = op[param.name];
  return `${def.id.slice(3)}(${param.float ? showHaskellDouble(value as number) : String(value)})`;
}

function catalogueSummary(opId: string, input: Record<string, unknown>): string {
  const field = GANETI_CATALOGUE.get(opId);
  if (field === undefined || field === null) return opId.slice(3);
  let value: unknown;
  try {
    value = field.check(Object.hasOwn(input, field.param) ? input[field.param] : null, {allowRelativeDepends: true});
  } catch (err) {
    if (err instanceof ParamTypeError) return opId.slice(3);
    throw err;
  }
  return `${opId.slice(3)}(${field.render ? field.render(value) : String(value)})`;
}

/**
 * The summary of one opcode `input` as stored in a job: "OP_ID without OP_", plus the summary
 * field in parentheses when the opcode has one and it decodes.
 */
export function opcodeSummary(input: unknown): string {
  if (!isJsonObject(input) || typeof input.OP_ID !== 'string') return bareSummary(input);
  const def = OPCODES.get(input.OP_ID);
  return def === undefined ? catalogueSummary(input.OP_ID, input) : implementedSummary(def, input);
}

/** The reason-trail source the queue appends for an opcode: "gnt:opcode:test_delay". */
export function reasonSource(opId: string): string {
  return `gnt:opcode:${(opId.startsWith('OP_') ? opId.slice(3) : opId).toLowerCase()}`;
}
