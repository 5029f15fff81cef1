// Connecting: the URL forms, credentials in the URL or the options, the database number, TLS,
// and the three ways opening fails — a refused connection, refused credentials, a bad URL — each
// a typed error within the connect timeout that never shows the password (nor does anything else:
// errors, options, stats(), status events).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as assert from 'uvu/assert';
import { RedisChannel } from '../../src/backends/redis/index.js';
import { isChannelError } from '../../src/errors.js';
import { openChannel } from '../../src/open.js';
import { hostPort, serviceSuite, uniqueName, within } from '../support/services.js';
import { decode, deleteChannelKeys, encode, plainClient, url } from './helpers.js';

const test = await serviceSuite('redis: connecting', 'redis');
const admin = plainClient();
const { host, port } = hostPort('redis');
const SECRET = 'S3cret-pa55word-never-shown';
const USER = `ps-test-${process.pid}`;
const names: string[] = [];
const channelName = (prefix: string) => {
  const n = uniqueName(prefix);
  names.push(n);
  return n;
};

test.before(async () => {
  await admin.call('ACL', 'SETUSER', USER, 'on', `>${SECRET}`, '~*', '&*', '+@all');
});

test.after(async () => {
  await admin.call('ACL', 'DELUSER', USER).catch(() => 0);
  for (const db of [0, 3]) {
    await admin.select(db);
    await deleteChannelKeys(admin, ...names);
  }
  admin.disconnect();
});

/** Everything a handle or an error exposes, as one string to search for the password. */
function everythingShown(value: unknown): string {
  const seen = new Set<unknown>();
  const walk = (v: unknown): string => {
    if (v === null || typeof v !== 'object') return String(v);
    if (seen.has(v)) return '';
    seen.add(v);
    const own = Object.getOwnPropertyNames(v).map((k) => `${k}=${walk((v as Record<string, unknown>)[k])}`);
    const err = v instanceof Error ? `${v.name} ${v.message} ${v.stack ?? ''} ${walk(v.cause)}` : '';
    return `${err} ${own.join(' ')}`;
  };
  return walk(value);
}

async function failure(work: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const t0 = performance.now();
  try {
    await work();
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
  throw new Error('expected the call to fail, it succeeded');
}

/** A TCP port nothing listens on. */
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

test('credentials in the URL or in the options connect an ACL user; the password shows nowhere', async () => {
  const name = channelName('acl');
  const viaUrl = await RedisChannel.connect(`redis://${USER}:${encodeURIComponent(SECRET)}@${host}:${port}`, name);
  const viaOptions = await RedisChannel.connect(`redis://${host}:${port}`, name, { username: USER, password: SECRET });
  const viaOpen = await openChannel(`redis://${USER}:${SECRET}@${host}:${port}/${name}`);
  try {
    await viaUrl.send(encode('as the ACL user'));
    assert.is(decode(await viaOptions.receive({ timeoutMs: 5000 })), 'as the ACL user');
    await viaOpen.send(encode('through openChannel'));
    assert.is(decode(await viaUrl.receive({ timeoutMs: 5000 })), 'through openChannel');
    assert.is(viaUrl.server, `redis://${USER}@${host}:${port}/0`, 'the server is shown with the user, without the password');
    for (const ch of [viaUrl, viaOptions, viaOpen]) {
      const shown = `${everythingShown(ch.options)} ${JSON.stringify(ch.stats())} ${JSON.stringify(ch.capabilities)} ${(ch as RedisChannel).server}`;
      assert.not.ok(shown.includes(SECRET), 'the password is not in options, stats(), capabilities or server');
    }
  } finally {
    await Promise.all([viaUrl.close(), viaOptions.close(), viaOpen.close()]);
  }
});

test('a wrong password is InvalidConfiguration at once (no waiting for the timeout), naming neither password', async () => {
  const { error, ms } = await failure(() => RedisChannel.connect(`redis://${USER}:wrong-${SECRET}@${host}:${port}`, channelName('wrongpass'), { connectTimeoutMs: 5000 }));
  assert.ok(isChannelError(error, 'InvalidConfiguration'), `got ${String(error)}`);
  assert.match((error as Error).message, /refused the credentials/);
  assert.ok(ms < 2000, `it failed after ${ms.toFixed(0)} ms, without waiting out connectTimeoutMs`);
  const shown = everythingShown(error);
  assert.not.ok(shown.includes(SECRET), 'the password is nowhere in the error, its cause or its stack');
});

test('a refused connection is BackendError within connectTimeoutMs', async () => {
  const closed = await freePort();
  const { error, ms } = await failure(() => RedisChannel.connect(`redis://127.0.0.1:${closed}`, channelName('refused'), { connectTimeoutMs: 800, password: SECRET }));
  assert.ok(isChannelError(error, 'BackendError'), `got ${String(error)}`);
  assert.match((error as Error).message, new RegExp(`127\\.0\\.0\\.1:${closed}.*ECONNREFUSED`));
  assert.ok(ms >= 700 && ms < 800 + 700, `gave up after ${ms.toFixed(0)} ms (connectTimeoutMs 800)`);
  assert.not.ok(everythingShown(error).includes(SECRET));
});

test('a server that accepts the connection and never answers is BackendError within connectTimeoutMs', async () => {
  const silent = createServer(() => {}).listen(0, '127.0.0.1');
  await new Promise((resolve) => silent.once('listening', resolve));
  const p = (silent.address() as { port: number }).port;
  try {
    const { error, ms } = await failure(() => RedisChannel.connect(`redis://127.0.0.1:${p}`, channelName('silent'), { connectTimeoutMs: 600 }));
    assert.ok(isChannelError(error, 'BackendError'), `got ${String(error)}`);
    assert.ok(ms < 600 + 700, `gave up after ${ms.toFixed(0)} ms (connectTimeoutMs 600)`);
  } finally {
    silent.close();
  }
});

test('bad URLs and options are InvalidConfiguration that say what is accepted, with the password masked', async () => {
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['not a URL', () => RedisChannel.connect('localhost', 'x'), /malformed/],
    ['another scheme', () => RedisChannel.connect('http://localhost:6379', 'x'), /redis:\/\/ or rediss:\/\//],
    ['a name in the server URL path', () => RedisChannel.connect(`redis://${host}:${port}/jobs`, 'x'), /second argument/],
    ['an unknown URL parameter', () => RedisChannel.connect(`redis://u:${SECRET}@${host}:${port}?foo=1`, 'x'), /unknown parameter 'foo'/],
    ['a bad channel name', () => RedisChannel.connect(url, 'not a name!'), /channel name/],
    ['an unknown option', () => RedisChannel.connect(url, 'x', { streamkey: 'typo' } as never), /unknown option 'streamkey'/],
    ['a bad db option', () => RedisChannel.connect(url, 'x', { db: -1 }), /option db/],
    ['an unknown openChannel parameter', () => openChannel(`redis://${host}:${port}/x?frob=1`), /unknown parameter 'frob'/],
  ];
  for (const [what, work, says] of cases) {
    const { error } = await failure(work);
    assert.ok(isChannelError(error, 'InvalidConfiguration'), `${what}: got ${String(error)}`);
    assert.match((error as Error).message, says, what);
    assert.not.ok((error as Error).message.includes(SECRET), `${what}: the password is masked`);
  }
});

test('the database number (URL path, ?db= or the db option) selects the database; the stream key option names the stream', async () => {
  const name = channelName('db');
  const inDb3 = await RedisChannel.connect(`redis://${host}:${port}/3`, name);
  const alsoDb3 = await openChannel(`redis://${host}:${port}/${name}?db=3`);
  const keyed = await RedisChannel.connect(url, channelName('keyed'), { db: 3, streamKey: `${name}-custom` });
  names.push(`${name}-custom`);
  try {
    await inDb3.send(encode('in db 3'));
    assert.is(decode(await alsoDb3.receive({ timeoutMs: 5000 })), 'in db 3');
    assert.is(await admin.exists(name), 0, 'nothing in db 0');
    await admin.select(3);
    assert.is(await admin.exists(name), 1, 'the stream is in db 3');
    await keyed.send(encode('custom key'));
    assert.is(keyed.streamKey, `${name}-custom`);
    assert.is(await admin.xlen(`${name}-custom`), 1, 'the message went to the stream named by streamKey');
    await admin.select(0);
  } finally {
    await Promise.all([inDb3.close(), alsoDb3.close(), keyed.close()]);
  }
});

// ---- TLS: a redis-server of our own with a self-signed CA, on a free port -------------------------

const run = promisify(execFile);
let tlsServer: ChildProcess | undefined;
let tlsDir = '';
let tlsPort = 0;

async function startTlsServer(): Promise<boolean> {
  try {
    tlsDir = mkdtempSync(join(tmpdir(), 'ps-redis-tls-'));
    const at = (f: string) => join(tlsDir, f);
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=ps-test-ca', '-keyout', at('ca.key'), '-out', at('ca.crt')]);
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', at('server.key'), '-out', at('server.csr')]);
    await run('bash', ['-c', `printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > ${at('ext.cnf')}`]);
    await run('openssl', ['x509', '-req', '-in', at('server.csr'), '-CA', at('ca.crt'), '-CAkey', at('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', at('ext.cnf'), '-out', at('server.crt')]);
    tlsPort = await freePort();
    tlsServer = spawn('redis-server', ['--port', '0', '--tls-port', String(tlsPort), '--tls-cert-file', at('server.crt'), '--tls-key-file', at('server.key'), '--tls-ca-cert-file', at('ca.crt'), '--tls-auth-clients', 'no', '--save', '', '--appendonly', 'no', '--dir', tlsDir], { stdio: 'ignore' });
    for (let i = 0; i < 50; i++) {
      const ok = await run('redis-cli', ['--tls', '--cacert', at('ca.crt'), '-p', String(tlsPort), 'PING']).then((r) => r.stdout.includes('PONG'), () => false);
      if (ok) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    console.log(`  ⚠ the TLS case is skipped: could not start a TLS redis-server here (${(err as Error).message.split('\n')[0]})`);
  }
  return false;
}

test('rediss:// with the server\'s CA connects over TLS; without it the connection is refused with BackendError', async () => {
  if (!(await startTlsServer())) return;
  const ca = readFileSync(join(tlsDir, 'ca.crt'));
  const name = uniqueName('tls');
  const ch = await RedisChannel.connect(`rediss://localhost:${tlsPort}`, name, { tls: { ca } });
  try {
    assert.match(ch.server, /^rediss:\/\//);
    await ch.send(encode('over TLS'));
    assert.is(decode(await within(5000, 'TLS receive', ch.receive({ timeoutMs: 5000 }))), 'over TLS');
  } finally {
    await ch.close();
  }
  const { error, ms } = await failure(() => RedisChannel.connect(`rediss://localhost:${tlsPort}`, uniqueName('tls-untrusted'), { connectTimeoutMs: 1000 }));
  assert.ok(isChannelError(error, 'BackendError'), `without the CA: ${String(error)}`);
  assert.ok(ms < 1000 + 700, `gave up after ${ms.toFixed(0)} ms`);
  const plain = await failure(() => RedisChannel.connect(`redis://localhost:${tlsPort}`, uniqueName('tls-plain'), { connectTimeoutMs: 1000 }));
  assert.ok(isChannelError(plain.error, 'BackendError'), `plain TCP to a TLS port: ${String(plain.error)}`);
});

test.after(() => {
  if (tlsServer?.pid !== undefined) tlsServer.kill('SIGKILL');
  if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
});

test.run();
