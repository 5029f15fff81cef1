// Parses the channel URLs that `openChannel` accepts. Parsing is hand-written because the Kafka
// form lists several brokers (`kafka://b1:9092,b2:9092/topic`), which WHATWG URL rejects.
import { InvalidConfigurationError } from './errors.js';
import { checkChannelName } from './options.js';

export type BackendScheme = 'memory' | 'redis' | 'kafka' | 'nats';

export interface ChannelUrl {
  scheme: BackendScheme;
  /** The channel's name: stream key, topic or subject. */
  name: string;
  /** `host:port` entries (none for memory). */
  hosts: string[];
  /** Credentials from `user:password@`, if any (redis, nats). */
  username: string | undefined;
  password: string | undefined;
  /** `rediss://` and `tls://`-style secure variants. */
  tls: boolean;
  /** Query parameters, e.g. `?jetstream=true&group=workers`. */
  params: Record<string, string>;
  /** The URL as given, with any password masked (safe to log). */
  display: string;
}

export const ACCEPTED_FORMS = [
  'memory:NAME',
  'redis://HOST:PORT/NAME (or rediss:// for TLS)',
  'kafka://BROKER1:PORT,BROKER2:PORT/TOPIC',
  'nats://HOST:PORT/SUBJECT (add ?jetstream=true for JetStream)',
];

const DEFAULT_PORTS: Record<Exclude<BackendScheme, 'memory'>, number> = { redis: 6379, kafka: 9092, nats: 4222 };
const SCHEMES: Record<string, { scheme: BackendScheme; tls: boolean }> = {
  memory: { scheme: 'memory', tls: false },
  redis: { scheme: 'redis', tls: false },
  rediss: { scheme: 'redis', tls: true },
  kafka: { scheme: 'kafka', tls: false },
  nats: { scheme: 'nats', tls: false },
  tls: { scheme: 'nats', tls: true },
};

function invalid(url: string, why: string): never {
  throw new InvalidConfigurationError(`channel URL ${JSON.stringify(maskPassword(url))} ${why}; accepted forms: ${ACCEPTED_FORMS.join(' | ')}`);
}

export function parseChannelUrl(url: string): ChannelUrl {
  if (typeof url !== 'string' || url.length === 0) invalid(String(url), 'is not a string');
  const schemeMatch = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  const known = schemeMatch ? SCHEMES[schemeMatch[1]!.toLowerCase()] : undefined;
  if (!schemeMatch || !known) invalid(url, `has ${schemeMatch ? `an unknown scheme '${schemeMatch[1]}'` : 'no scheme'}`);
  const [rest = '', query = ''] = url.slice(schemeMatch[0].length).split('?', 2);
  const params = Object.fromEntries(new URLSearchParams(query));

  if (known.scheme === 'memory') {
    const name = rest.replace(/^\/\//, '');
    if (!name) invalid(url, 'names no channel');
    return { scheme: 'memory', name: checkName(url, name), hosts: [], username: undefined, password: undefined, tls: false, params, display: url };
  }

  const m = /^\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/]*)\/(.+)$/.exec(rest);
  if (!m) invalid(url, 'is not of the form scheme://host:port/name');
  const [, user, pass, hostList = '', name = ''] = m;
  const hosts = hostList.split(',').map((h) => normaliseHost(url, h.trim(), DEFAULT_PORTS[known.scheme as keyof typeof DEFAULT_PORTS]));
  if (hosts.length > 1 && known.scheme !== 'kafka' && known.scheme !== 'nats') invalid(url, 'lists several hosts; only kafka:// and nats:// take a list');
  return {
    scheme: known.scheme,
    name: checkName(url, decodeURIComponent(name)),
    hosts,
    username: user ? decodeURIComponent(user) : undefined,
    password: pass ? decodeURIComponent(pass) : undefined,
    tls: known.tls,
    params,
    display: maskPassword(url),
  };
}

function normaliseHost(url: string, host: string, defaultPort: number): string {
  if (!host) invalid(url, 'has an empty host');
  const m = /^(\[[0-9a-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(host);
  if (!m) invalid(url, `has a malformed host '${host}'`);
  const port = m[2] === undefined ? defaultPort : Number(m[2]);
  if (port < 1 || port > 65535) invalid(url, `has port ${port}, outside 1-65535`);
  return `${m[1]}:${port}`;
}

function checkName(url: string, name: string): string {
  try {
    return checkChannelName(name);
  } catch (err) {
    invalid(url, `names an unusable channel: ${(err as Error).message}`);
  }
}

/** The URL with any password replaced by ***, for error messages. */
export function maskPassword(url: string): string {
  return url.replace(/(\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}
