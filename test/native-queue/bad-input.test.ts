// Bad input gets a typed RingError with a clear message, and leaves the ring as it was.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { attachRing, createRing, MpscRing, RingError, SpscRing, type RingDescriptor, type RingErrorCode, type RingKind } from '../../native-queue/index.js';

function throwsCode(fn: () => unknown, code: RingErrorCode, mentions?: RegExp): void {
  try {
    fn();
  } catch (error) {
    assert.instance(error, RingError);
    assert.is((error as RingError).code, code, (error as Error).message);
    if (mentions) assert.match((error as Error).message, mentions);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

for (const kind of ['spsc', 'mpsc', 'mpmc'] as RingKind[]) {
  test(`${kind}: payloads that are not Uint8Array are refused, and nothing is sent`, () => {
    const tx = createRing(kind, { capacityBytes: 256 });
    const rx = attachRing(tx.describe());
    assert.ok(tx.trySend(new Uint8Array([7])));
    for (const bad of ['text', [1, 2, 3], new ArrayBuffer(4), new Uint16Array(2), new DataView(new ArrayBuffer(2)), null, undefined, 42]) {
      throwsCode(() => tx.trySend(bad as unknown as Uint8Array), 'RING_INVALID_ARGUMENT', /Uint8Array/);
      throwsCode(() => tx.trySendBatch([new Uint8Array(1), bad as unknown as Uint8Array]), 'RING_INVALID_ARGUMENT', /message 1 of the batch/);
    }
    throwsCode(() => tx.trySendBatch('nope' as unknown as Uint8Array[]), 'RING_INVALID_ARGUMENT');
    assert.ok(tx.trySend(Buffer.from([8])), 'a Buffer is a Uint8Array');
    assert.equal(rx.tryReceiveBatch(10), [new Uint8Array([7]), new Uint8Array([8])], 'only the good messages, once');
  });

  test(`${kind}: a message larger than the ring can ever hold is refused whole`, async () => {
    const tx = createRing(kind, { capacityBytes: 1024 });
    const rx = attachRing(tx.describe());
    const big = new Uint8Array(tx.maxMessageBytes + 1);
    throwsCode(() => tx.trySend(big), 'RING_MESSAGE_TOO_LARGE', new RegExp(`at most ${tx.maxMessageBytes} bytes`));
    throwsCode(() => tx.trySendBatch([new Uint8Array(1), new Uint8Array(2), big]), 'RING_MESSAGE_TOO_LARGE', /message 2 of the batch/);
    throwsCode(() => tx.reserve(tx.maxMessageBytes + 1), 'RING_MESSAGE_TOO_LARGE');
    await tx.send(big).then(
      () => assert.unreachable(),
      (e: RingError) => assert.is(e.code, 'RING_MESSAGE_TOO_LARGE'),
    );
    assert.is(rx.tryReceive(), undefined, 'nothing of the refused batch got in');
  });

  test(`${kind}: unusable options are refused`, () => {
    for (const capacityBytes of [0, 100, 128, 255, 300, 2 ** 31, NaN, Infinity, -256, '4096', undefined]) {
      throwsCode(() => createRing(kind, { capacityBytes } as unknown as { capacityBytes: number }), 'RING_INVALID_ARGUMENT', /capacityBytes must be a power of two/);
    }
    throwsCode(() => createRing(kind, { capacityBytes: 256, maxProducers: 0 }), 'RING_INVALID_ARGUMENT', /maxProducers/);
    throwsCode(() => createRing(kind, { capacityBytes: 256, maxProducers: 1.5 }), 'RING_INVALID_ARGUMENT', /maxProducers/);
    throwsCode(() => createRing(kind, { capacityBytes: 256, spinMicros: -1 }), 'RING_INVALID_ARGUMENT', /spinMicros/);
    throwsCode(() => createRing(kind, { capacityBytes: 256, parkSliceMs: 0 }), 'RING_INVALID_ARGUMENT', /parkSliceMs/);
    throwsCode(() => createRing(kind, null as unknown as { capacityBytes: number }), 'RING_INVALID_ARGUMENT');
    if (kind === 'mpsc') throwsCode(() => createRing(kind, { capacityBytes: 2 ** 30, maxProducers: 2 }), 'RING_INVALID_ARGUMENT', /lower capacityBytes or maxProducers/);
  });

  test(`${kind}: bad arguments to receive, reserve and waits are refused`, async () => {
    const ring = createRing(kind, { capacityBytes: 256 });
    throwsCode(() => ring.tryReceiveBatch(-1), 'RING_INVALID_ARGUMENT');
    throwsCode(() => ring.drain(() => {}, NaN), 'RING_INVALID_ARGUMENT');
    throwsCode(() => ring.reserve(-1), 'RING_INVALID_ARGUMENT');
    throwsCode(() => ring.reserve(1.5), 'RING_INVALID_ARGUMENT');
    throwsCode(() => ring.commit(), 'RING_INVALID_ARGUMENT', /without a successful reserve/);
    await ring.receive({ timeoutMs: -5 }).then(
      () => assert.unreachable(),
      (e: RingError) => assert.is(e.code, 'RING_INVALID_ARGUMENT'),
    );
    // Blocking calls would freeze the main thread's event loop: refused there.
    throwsCode(() => ring.receiveSync(1), 'RING_INVALID_ARGUMENT', /main thread/);
    throwsCode(() => ring.sendSync(new Uint8Array(1), 1), 'RING_INVALID_ARGUMENT', /main thread/);
  });
}

test('attaching to anything that is not a ring descriptor throws RING_NOT_A_RING', () => {
  const spsc = createRing('spsc', { capacityBytes: 256 });
  const good = spsc.describe();
  const blank = new SharedArrayBuffer(good.buffer.byteLength);
  const wrongVersion = new SharedArrayBuffer(good.buffer.byteLength);
  new Uint8Array(wrongVersion).set(new Uint8Array(good.buffer));
  new Int32Array(wrongVersion)[1] = 99;
  const mpmcOfSameSize = createRing('mpmc', { capacityBytes: 256 }).describe();
  const cases: [unknown, RegExp][] = [
    [null, /null/],
    [undefined, /undefined/],
    [42, /number/],
    [{}, /kind/],
    [{ ...good, kind: 'queue' }, /kind/],
    [{ ...good, buffer: new ArrayBuffer(good.buffer.byteLength) }, /SharedArrayBuffer/],
    [{ ...good, buffer: blank }, /magic/],
    [{ ...good, buffer: wrongVersion }, /version/],
    [{ ...good, buffer: new SharedArrayBuffer(64) }, /bytes/],
    [{ ...good, options: { capacityBytes: 100 } }, /options/],
    [{ ...good, options: { ...good.options, capacityBytes: 128 } }, /options/],
    [{ ...good, kind: 'mpmc' }, /bytes|another kind/],
    [{ ...mpmcOfSameSize, kind: 'spsc', buffer: mpmcOfSameSize.buffer }, /bytes|another kind/],
  ];
  for (const [descriptor, why] of cases) throwsCode(() => attachRing(descriptor as RingDescriptor), 'RING_NOT_A_RING', why);
  throwsCode(() => MpscRing.attach(good), 'RING_NOT_A_RING', /spsc ring, not an mpsc ring/);
  // The real one still works and was not touched.
  const rx = SpscRing.attach(good);
  assert.ok(spsc.trySend(new Uint8Array([1])));
  assert.equal(rx.tryReceive(), new Uint8Array([1]));
});

test('createRing refuses an unknown kind', () => {
  throwsCode(() => createRing('fifo' as RingKind, { capacityBytes: 256 }), 'RING_INVALID_ARGUMENT', /spsc/);
});

test('mpsc: reclaimLane refuses a lane number that does not exist', () => {
  const ring = MpscRing.create({ capacityBytes: 256, maxProducers: 2 });
  throwsCode(() => ring.reclaimLane(2), 'RING_INVALID_ARGUMENT', /0 to 1/);
  throwsCode(() => ring.reclaimLane(-1), 'RING_INVALID_ARGUMENT');
});

test.run();
