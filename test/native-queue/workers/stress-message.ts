// The messages of the stress tests: [u32 producer][u32 seq][u32 checksum][payload]. Sizes and
// payload bytes are derived from (producer, seq), so a consumer can check every byte it gets and
// producers need no bookkeeping. Little-endian by hand: DataView per message would allocate.
export const STRESS_HEADER_BYTES = 12;

/** A cheap, well-mixed 32-bit hash (so sizes and contents look random). */
export function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

/** Payload size of message `seq` of `producer`: mostly small, sometimes up to `maxPayload`. */
export function payloadSize(producer: number, seq: number, maxPayload: number): number {
  const h = mix(producer, seq);
  return (h & 15) === 0 ? h % (maxPayload + 1) : (h >>> 8) % Math.min(97, maxPayload + 1);
}

function writeU32(into: Uint8Array, at: number, value: number): void {
  into[at] = value & 255;
  into[at + 1] = (value >>> 8) & 255;
  into[at + 2] = (value >>> 16) & 255;
  into[at + 3] = (value >>> 24) & 255;
}

export function readU32(from: Uint8Array, at: number): number {
  return ((from[at] as number) | ((from[at + 1] as number) << 8) | ((from[at + 2] as number) << 16) | ((from[at + 3] as number) << 24)) >>> 0;
}

/** Writes message `seq` of `producer` into `into` (big enough); returns its length. */
export function writeMessage(into: Uint8Array, producer: number, seq: number, maxPayload: number): number {
  const size = payloadSize(producer, seq, maxPayload);
  let value = mix(seq, producer);
  let checksum = 0x811c9dc5;
  for (let i = 0; i < size; i++) {
    value = (Math.imul(value, 1103515245) + 12345) >>> 0;
    const byte = value >>> 24;
    into[STRESS_HEADER_BYTES + i] = byte;
    checksum = Math.imul(checksum ^ byte, 0x01000193);
  }
  writeU32(into, 0, producer);
  writeU32(into, 4, seq);
  writeU32(into, 8, checksum >>> 0);
  return STRESS_HEADER_BYTES + size;
}

/** Checks a received message; returns undefined when intact, else what is wrong. */
export function checkMessage(message: Uint8Array, maxPayload: number): string | undefined {
  if (message.length < STRESS_HEADER_BYTES) return `message of ${message.length} bytes is shorter than its header`;
  const producer = readU32(message, 0);
  const seq = readU32(message, 4);
  const expectedSize = payloadSize(producer, seq, maxPayload);
  if (message.length !== STRESS_HEADER_BYTES + expectedSize) {
    return `producer ${producer} seq ${seq}: length ${message.length}, expected ${STRESS_HEADER_BYTES + expectedSize}`;
  }
  let checksum = 0x811c9dc5;
  for (let i = STRESS_HEADER_BYTES; i < message.length; i++) checksum = Math.imul(checksum ^ (message[i] as number), 0x01000193);
  if (checksum >>> 0 !== readU32(message, 8)) return `producer ${producer} seq ${seq}: checksum mismatch`;
  return undefined;
}
