// How `recv` prints a message: the payload raw, in hex or base64, a JSON line with the envelope, or
// a format string in the manner of `kcat -f`. Everything is written as bytes, so a raw payload
// reaches stdout unchanged (binary included).
import type { Message } from '../channel.js';
import { usageError } from './exit-codes.js';

export const OUTPUT_MODES = ['raw', 'hex', 'base64', 'json'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

/** The placeholders of --format, for the help text and the error of an unknown one. */
export const FORMAT_HELP =
  '%s payload, %S payload bytes, %x payload as hex, %b payload as base64, %i id, %k key, %h headers (k=v,…), ' +
  '%T timestamp (epoch ms), %c delivery count, %C correlation id, %r reply-to, %t channel, %% a percent sign; ' +
  '\\n \\t \\\\ escapes';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

function isText(data: Uint8Array): string | undefined {
  try {
    return utf8.decode(data);
  } catch {
    return undefined;
  }
}

function headersText(m: Message): string {
  return Object.entries(m.headers)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** One JSON line: the envelope, and the payload as text when it is UTF-8, else base64. */
export function jsonLine(m: Message): string {
  const text = isText(m.data);
  return JSON.stringify({
    id: m.id,
    channel: m.channel,
    key: m.key ?? null,
    correlationId: m.correlationId ?? null,
    replyTo: m.replyTo ?? null,
    timestamp: m.timestamp,
    deliveryCount: m.deliveryCount,
    headers: m.headers,
    encoding: text === undefined ? 'base64' : 'utf8',
    data: text ?? Buffer.from(m.data).toString('base64'),
  });
}

/** Checks a --format string once, before anything is received. */
export function checkFormat(format: string): void {
  for (const m of format.matchAll(/%(.)/g)) {
    if (!'sSxbikhTcCrt%'.includes(m[1]!)) throw usageError(`--format has an unknown placeholder %${m[1]}; use ${FORMAT_HELP}`);
  }
  if (/%$/.test(format.replace(/%%/g, ''))) throw usageError(`--format ends with a lone %; write %% for a percent sign`);
}

/** The bytes a message prints as under a --format string. */
export function formatted(m: Message, format: string): Uint8Array {
  const parts: Uint8Array[] = [];
  const text = (s: string) => parts.push(encoder.encode(s));
  const escaped = format.replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\\\/g, '\\');
  let last = 0;
  for (const match of escaped.matchAll(/%(.)/g)) {
    text(escaped.slice(last, match.index));
    last = match.index! + 2;
    switch (match[1]) {
      case 's':
        parts.push(m.data);
        break;
      case 'S':
        text(String(m.data.length));
        break;
      case 'x':
        text(Buffer.from(m.data).toString('hex'));
        break;
      case 'b':
        text(Buffer.from(m.data).toString('base64'));
        break;
      case 'i':
        text(m.id);
        break;
      case 'k':
        text(m.key ?? '');
        break;
      case 'h':
        text(headersText(m));
        break;
      case 'T':
        text(String(Math.round(m.timestamp)));
        break;
      case 'c':
        text(String(m.deliveryCount));
        break;
      case 'C':
        text(m.correlationId ?? '');
        break;
      case 'r':
        text(m.replyTo ?? '');
        break;
      case 't':
        text(m.channel);
        break;
      default:
        text('%');
    }
  }
  text(escaped.slice(last));
  return Buffer.concat(parts);
}

/** The bytes a message prints as in one of the output modes (each followed by a newline). */
export function printed(m: Message, mode: OutputMode): Uint8Array {
  switch (mode) {
    case 'raw':
      return Buffer.concat([m.data, Buffer.from('\n')]);
    case 'hex':
      return Buffer.from(`${Buffer.from(m.data).toString('hex')}\n`);
    case 'base64':
      return Buffer.from(`${Buffer.from(m.data).toString('base64')}\n`);
    case 'json':
      return Buffer.from(`${jsonLine(m)}\n`);
  }
}
