// Where `send` takes its messages from: the command line (one message per argument), a file, or
// stdin — one message per line, or the whole input as one message (--whole). Bytes are read as
// they are: a binary file sent with --whole arrives byte for byte.
import { readFile } from 'node:fs/promises';
import { usageError } from './exit-codes.js';

const encoder = new TextEncoder();

async function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks);
}

/** Splits on \n (a \r before it is dropped); no empty message for a trailing newline. */
export function splitLines(input: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== 0x0a) continue;
    const end = i > start && input[i - 1] === 0x0d ? i - 1 : i;
    out.push(input.subarray(start, end));
    start = i + 1;
  }
  if (start < input.length) out.push(input.subarray(start));
  return out;
}

export interface InputOptions {
  /** A path, or '-' for stdin. */
  file?: string;
  whole?: boolean;
}

/** The messages to send: the arguments, else the file or stdin. */
export async function messagesFrom(args: readonly string[], options: InputOptions, stdin: NodeJS.ReadStream = process.stdin): Promise<Uint8Array[]> {
  if (args.length > 0 && options.file !== undefined) throw usageError('give the messages either as arguments or with --file, not both');
  if (args.length > 0) return args.map((a) => encoder.encode(a));
  let input: Uint8Array;
  if (options.file !== undefined && options.file !== '-') {
    try {
      input = await readFile(options.file);
    } catch (err) {
      throw usageError(`cannot read --file ${options.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  } else {
    if (options.file === undefined && stdin.isTTY) throw usageError('no message given: pass messages as arguments, --file PATH, or pipe them into stdin');
    input = await readAll(stdin);
  }
  return options.whole ? [input] : splitLines(input);
}
