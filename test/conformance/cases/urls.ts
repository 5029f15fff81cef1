// openChannel(url): the backend's own URL opens a working handle on the named channel; a bad URL is
// an InvalidConfiguration that names the accepted forms.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';
import { openChannel } from '../../../src/open.js';
import { bytes, caseRegistrar, expectCode, receiveTexts, uniqueName, type BackendUnderTest } from '../backend.js';

const BAD_URLS: [string, unknown][] = [
  ['an empty string', ''],
  ['not a string', 42],
  ['no scheme', 'just-a-name'],
  ['an unknown scheme', 'amqp://localhost/jobs'],
  ['memory without a name', 'memory:'],
  ['memory with an unusable name', 'memory:bad name!'],
  ['redis without a name', 'redis://localhost:6379/'],
  ['redis without host and name', 'redis://'],
  ['a port out of range', 'nats://localhost:99999/subject'],
  ['an empty host', 'kafka:///topic'],
  ['several hosts where one is allowed', 'redis://a:6379,b:6379/stream'],
];

export function register(test: Test, backend: BackendUnderTest): void {
  const it = caseRegistrar(test, backend);

  it('openChannel refuses malformed URLs with InvalidConfiguration naming the accepted forms', async () => {
    for (const [what, url] of BAD_URLS) {
      const err = await expectCode(() => openChannel(url as string), 'InvalidConfiguration', `openChannel with ${what} (${JSON.stringify(url)})`);
      assert.ok(err.message.includes('memory:NAME') && err.message.includes('kafka://'), `the error lists the accepted forms: ${err.message}`);
    }
  });

  it(
    "openChannel with the backend's URL opens a handle on the named channel, with the options given",
    async (h) => {
      const name = uniqueName('url');
      const viaUrl = h.track(await openChannel(backend.url!(name), { maxRetries: 0 }));
      assert.is(viaUrl.name, name);
      assert.is(viaUrl.options.maxRetries, 0, 'the options reach the channel');
      const viaName = await h.named(name);
      await viaUrl.send(bytes('from the url handle'));
      assert.equal(await receiveTexts(viaName, 1, h.ms(5000)), ['from the url handle']);
      await expectCode(() => openChannel(backend.url!(uniqueName('url')), { capacity: -1 }), 'InvalidConfiguration', 'openChannel with a bad option');
    },
    { skip: !backend.url && 'backend is not opened through openChannel' },
  );
}
