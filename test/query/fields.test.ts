// Field names a request asks for, quoted in answers.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {GanetiError} from '../../src/protocol/errors.js';
import {checkOldStyleFields, fieldSet, unknownDefinition} from '../../src/query/fields.js';

describe('unknown field names', () => {
  it('are quoted whole when short, clipped when a request sends megabytes of them', () => {
    const set = fieldSet<unknown>([]);
    assert.throws(
      () => checkOldStyleFields(set, ['a', 'b']),
      (err: unknown) => err instanceof GanetiError && err.encode()[1][0] === 'Unknown output fields selected: a, b',
    );
    const long = 'f'.repeat(100_000);
    assert.throws(
      () => checkOldStyleFields(set, [long, 'b']),
      (err: unknown) => {
        const message = err instanceof GanetiError ? String(err.encode()[1][0]) : '';
        return message.startsWith(`Unknown output fields selected: ${'f'.repeat(4096)}... (`) && message.length < 4200;
      },
    );
    assert.equal(unknownDefinition('x').doc, "Unknown field 'x'");
    assert.equal(unknownDefinition(long).doc, `Unknown field '${'f'.repeat(4096)}... (${100_000 - 4096} more characters)'`);
  });
});
