// HMAC-SHA256 (RFC 2104 over FIPS 180-4) under one key, in JavaScript, for the short messages the
// engine hashes on every application: its identifiers (`kind:value`, a few dozen bytes). node:crypto's
// createHmac costs about 1.5 µs a call on them (an object, the key's pads hashed again, the native
// call); here the key's inner and outer pads are hashed once, and a message under 56 bytes costs two
// compressions: about 0.7 µs. For long messages node:crypto is faster (the decision's 700-byte input:
// 2.0 µs against 4.7), so the input hash stays on createHmac. The output is node:crypto's, bit for bit:
// test/features/hmac.test.ts holds it to createHmac on random keys and messages, block edges and
// non-ASCII text included.

/** HMAC-SHA256 under a fixed key; `hex` gives the first `bytes` bytes (default all 32) as lower-case hex. */
export interface KeyedHmacSha256 {
  hex(message: string, bytes?: number): string;
}

const BLOCK = 64;

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const INITIAL = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** Shared scratch: the engine is single-threaded per isolate, and no call here yields. */
const schedule = new Int32Array(64);
const innerState = new Int32Array(8);
const outerState = new Int32Array(8);
const outerBlock = new Uint8Array(BLOCK);
const digest = Buffer.alloc(32);
let buffer = new Uint8Array(256);
const encoder = new TextEncoder();

/** One SHA-256 compression of the 64 bytes of `data` at `offset` into `state`. */
function compress(state: Int32Array, data: Uint8Array, offset: number): void {
  const w = schedule;
  for (let i = 0; i < 16; i += 1) {
    const at = offset + i * 4;
    w[i] = (data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!;
  }
  for (let i = 16; i < 64; i += 1) {
    const x = w[i - 15]!;
    const y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let i = 0; i < 64; i += 1) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const choose = (e & f) ^ (~e & g);
    const t1 = (h + s1 + choose + K[i]! + w[i]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const majority = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (s0 + majority) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/** Writes `text` as UTF-8 into the scratch buffer (grown as needed); returns its length in bytes. */
function encode(text: string): number {
  // Room for the message, its padding and length (up to 72 bytes more), and UTF-8's 3 bytes a UTF-16 unit.
  if (buffer.length < text.length * 3 + 2 * BLOCK) buffer = new Uint8Array(text.length * 3 + 2 * BLOCK);
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code >= 0x80) return encoder.encodeInto(text, buffer).written;
    buffer[i] = code;
  }
  return text.length;
}

/**
 * Pads the `length` message bytes in `data` as SHA-256 does, counting `prefixBytes` hashed before them;
 * returns the padded length (a multiple of 64).
 */
function pad(data: Uint8Array, length: number, prefixBytes: number): number {
  const padded = Math.ceil((length + 9) / BLOCK) * BLOCK;
  data[length] = 0x80;
  data.fill(0, length + 1, padded - 8);
  const bits = (length + prefixBytes) * 8;
  const high = Math.floor(bits / 0x100000000);
  const low = bits >>> 0;
  data[padded - 8] = high >>> 24;
  data[padded - 7] = (high >>> 16) & 0xff;
  data[padded - 6] = (high >>> 8) & 0xff;
  data[padded - 5] = high & 0xff;
  data[padded - 4] = low >>> 24;
  data[padded - 3] = (low >>> 16) & 0xff;
  data[padded - 2] = (low >>> 8) & 0xff;
  data[padded - 1] = low & 0xff;
  return padded;
}

/** SHA-256 of the `length` bytes in `data` (a scratch buffer with room to pad), into `state`. */
function sha256Into(state: Int32Array, data: Uint8Array, length: number): void {
  state.set(INITIAL);
  const padded = pad(data, length, 0);
  for (let offset = 0; offset < padded; offset += BLOCK) compress(state, data, offset);
}

export function keyedHmacSha256(key: string): KeyedHmacSha256 {
  // The key, hashed first when longer than a block, zero-padded to a block; its pads compressed once.
  const keyBlock = new Uint8Array(BLOCK);
  const keyBytes = encoder.encode(key);
  if (keyBytes.length > BLOCK) {
    const scratch = new Uint8Array(keyBytes.length + 2 * BLOCK);
    scratch.set(keyBytes);
    const state = new Int32Array(8);
    sha256Into(state, scratch, keyBytes.length);
    for (let i = 0; i < 8; i += 1) writeWord(keyBlock, i * 4, state[i]!);
  } else keyBlock.set(keyBytes);
  const innerStart = new Int32Array(INITIAL);
  const outerStart = new Int32Array(INITIAL);
  const padBlock = new Uint8Array(BLOCK);
  for (let i = 0; i < BLOCK; i += 1) padBlock[i] = keyBlock[i]! ^ 0x36;
  compress(innerStart, padBlock, 0);
  for (let i = 0; i < BLOCK; i += 1) padBlock[i] = keyBlock[i]! ^ 0x5c;
  compress(outerStart, padBlock, 0);

  return {
    hex(message, bytes = 32) {
      if (!Number.isInteger(bytes) || bytes < 1 || bytes > 32)
        throw new RangeError('HMAC-SHA256 hex: bytes must be an integer from 1 to 32');
      const length = encode(message);
      innerState.set(innerStart);
      const padded = pad(buffer, length, BLOCK);
      for (let offset = 0; offset < padded; offset += BLOCK) compress(innerState, buffer, offset);
      for (let i = 0; i < 8; i += 1) writeWord(outerBlock, i * 4, innerState[i]!);
      outerState.set(outerStart);
      pad(outerBlock, 32, BLOCK);
      compress(outerState, outerBlock, 0);
      for (let i = 0; i < 8; i += 1) writeWord(digest, i * 4, outerState[i]!);
      return digest.toString('hex', 0, bytes);
    },
  };
}

function writeWord(data: Uint8Array, offset: number, word: number): void {
  data[offset] = word >>> 24;
  data[offset + 1] = (word >>> 16) & 0xff;
  data[offset + 2] = (word >>> 8) & 0xff;
  data[offset + 3] = word & 0xff;
}
