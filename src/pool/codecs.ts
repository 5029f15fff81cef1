// How tasks and results become bytes on their way through the pool's shared-memory lanes. The
// same named codec runs on both sides (a function cannot cross threads, so a codec is chosen by
// name). `bytes` is the default and costs nothing: a Uint8Array goes in and comes out as is.
// `v8` is Node's own structured-clone serializer (node:v8 serialize/deserialize): the values
// postMessage would carry (objects, arrays, Map, Set, Date, typed arrays, BigInt…), at the cost
// measured by bench/cases/pool-codecs.ts. `json` is JSON text in UTF-8: plain data only, and
// on small objects it is the cheapest of the two value codecs.
import { deserialize, serialize } from 'node:v8';
import { SerializationError } from '../errors.js';

export type CodecName = 'bytes' | 'json' | 'v8';

export const CODEC_NAMES: readonly CodecName[] = ['bytes', 'json', 'v8'];

export interface Codec {
  readonly name: CodecName;
  /** Throws SerializationError for a value this codec cannot carry. `what` names it ("the task", "the result"). */
  encode(value: unknown, what: string): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

const bytesCodec: Codec = {
  name: 'bytes',
  encode(value, what) {
    if (value instanceof Uint8Array) return value;
    throw new SerializationError(
      `${what} is ${describe(value)}; with the pool's default codec 'bytes' tasks and results are Uint8Array — encode it yourself, or open the pool with codec: 'v8' (structured-clone values) or 'json'`,
    );
  },
  decode: (bytes) => bytes,
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY = new Uint8Array(0);

const jsonCodec: Codec = {
  name: 'json',
  encode(value, what) {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (err) {
      throw new SerializationError(`${what} cannot be written as JSON (${(err as Error).message}); use codec 'v8' or plain data`, { cause: err });
    }
    // undefined (and functions) have no JSON text: carried as nothing, read back as undefined.
    return text === undefined ? EMPTY : encoder.encode(text);
  },
  decode: (bytes) => (bytes.length === 0 ? undefined : JSON.parse(decoder.decode(bytes))),
};

const v8Codec: Codec = {
  name: 'v8',
  encode(value, what) {
    try {
      return serialize(value);
    } catch (err) {
      throw new SerializationError(`${what} cannot be structured-cloned (${(err as Error).message}); functions, class instances' methods and symbols do not cross threads`, { cause: err });
    }
  },
  decode: (bytes) => deserialize(bytes),
};

const CODECS: Record<CodecName, Codec> = { bytes: bytesCodec, json: jsonCodec, v8: v8Codec };

export function codecNamed(name: CodecName): Codec {
  return CODECS[name];
}

export function isCodecName(value: unknown): value is CodecName {
  return typeof value === 'string' && Object.hasOwn(CODECS, value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `a ${typeof value}`;
  return `a ${(value as object).constructor?.name ?? 'object'}`;
}
