// The hand-written HMAC-SHA256 against node:crypto's createHmac: random keys and messages (ASCII,
// any UTF-16 text including astral characters and lone surrogates), every length around the block
// edges, keys longer than a block, and the truncated hex the identifiers use.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyedHmacSha256 } from '../../src/features/hmac.js';
import { shippedDataModel } from '../../src/features/dataModel.js';
import { createIdentifierHasher } from '../../src/features/eventFacts.js';
import { hashIdentifier, normaliserOf } from '../../src/features/identity.js';
import { cleanEvent } from '../fixtures/events.js';

const reference = (key: string, message: string) => createHmac('sha256', key).update(message).digest('hex');

describe('keyedHmacSha256', () => {
  it('equals createHmac on random keys and messages of any text', () => {
    const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: 'grapheme', maxLength: 80 }),
      // Any UTF-16 code unit, lone surrogates included (UTF-8 writes them as U+FFFD, as node:crypto does).
      fc.string({ unit: anyCodeUnit, maxLength: 120 }),
    );
    fc.assert(
      fc.property(text, text, (key, message) => {
        expect(keyedHmacSha256(key).hex(message)).toBe(reference(key, message));
      }),
      { numRuns: 3000 },
    );
  });

  it('equals createHmac for every message length from 0 to 300 bytes, and keys of 0 to 200 bytes', () => {
    for (let keyLength = 0; keyLength <= 200; keyLength += 1) {
      const key = 'k'.repeat(keyLength);
      const hmac = keyedHmacSha256(key);
      for (const length of [0, 1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 128, 300]) {
        const message = 'm'.repeat(length);
        expect(hmac.hex(message)).toBe(reference(key, message));
      }
    }
    const hmac = keyedHmacSha256('salt');
    for (let length = 0; length <= 300; length += 1) expect(hmac.hex('é'.repeat(length))).toBe(reference('salt', 'é'.repeat(length)));
  });

  it('one keyed instance gives the same answers in any order, and another key never interferes', () => {
    const a = keyedHmacSha256('a');
    const b = keyedHmacSha256('b');
    const messages = ['x', 'y'.repeat(100), '', '☃'.repeat(40)];
    const first = messages.map((message) => a.hex(message));
    for (const message of messages) b.hex(message);
    expect(messages.reverse().map((message) => a.hex(message))).toEqual([...first].reverse());
  });

  it('truncates to the bytes asked for, and refuses other counts', () => {
    const hmac = keyedHmacSha256('salt');
    expect(hmac.hex('device_id:dv_1', 16)).toBe(reference('salt', 'device_id:dv_1').slice(0, 32));
    expect(hmac.hex('device_id:dv_1', 1)).toHaveLength(2);
    for (const bytes of [0, 33, 1.5]) expect(() => hmac.hex('x', bytes)).toThrow(RangeError);
  });

  it('keeps the identifiers the engine recorded before it: createHmac of kind:value, 32 hex characters', () => {
    // The value as normalised by its field's type (the caller's part: hashIdentifier hashes what it is given).
    expect(hashIdentifier('fengkong-default-salt', 'email', normaliserOf('email')(' Someone@Example.COM '))).toBe(
      reference('fengkong-default-salt', 'email:someone@example.com').slice(0, 32),
    );
    expect(hashIdentifier('s', 'phone', normaliserOf('phone')('+1 (512) 735-3951'))).toBe(reference('s', 'phone:15127353951').slice(0, 32));
    expect(hashIdentifier('s', 'email', 'Someone@Example.COM')).toBe(reference('s', 'email:Someone@Example.COM').slice(0, 32));
    // And as the engine hashes an event's identifier fields.
    const model = shippedDataModel();
    const event = model.parseEvent(cleanEvent({ email: 'Someone@Example.COM', phone: '+15127353951' }));
    const hashed = createIdentifierHasher(model).hash(event, 'fengkong-default-salt');
    expect(hashed.byField.email).toBe(reference('fengkong-default-salt', 'email:someone@example.com').slice(0, 32));
    expect(hashed.byField.phone).toBe(reference('fengkong-default-salt', 'phone:15127353951').slice(0, 32));
  });
});
