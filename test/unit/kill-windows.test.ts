// The kill-safety of the rings and the in-memory channel rests on a few short stretches of code
// with NO CALL in them: V8 stops a terminated worker thread only at function entries and loop
// back-edges (an Atomics builtin and an interpreted helper included), so the stores right after
// a CAS either all happen or none do. Each such stretch sits between `// kill-window: …` and
// `// kill-window end`. This test fails when someone inserts a call (or a loop) there, or removes
// a window the design relies on.
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('kill windows (no call between these lines)');
const root = new URL('../../', import.meta.url);

/** Every window the design relies on, by file (README: native-queue invariants, memory backend limits). */
const EXPECTED: Record<string, number> = {
  'native-queue/mpmc-ring.ts': 2, // claim CAS → 'writing' stamp; FINISHING CAS → committed stamp
  'native-queue/mpmc-claiming.ts': 2, // 'releasing' CAS → size; stamp-to-0 CAS → released
  'src/backends/memory/memory-offer.ts': 1, // capacity count → envelope tag
  'src/backends/memory/shared-channel.ts': 1, // count out → 'taken' mark
};

interface Window {
  file: string;
  line: number;
  code: string[];
}

function windowsIn(file: string, source: string): Window[] {
  const lines = source.split('\n');
  const found: Window[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/\/\/ kill-window:/.test(lines[i]!)) continue;
    const code: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/\/\/ kill-window end/.test(lines[j]!); j++) code.push(lines[j]!);
    assert.ok(j < lines.length, `${file}:${i + 1}: a kill window without its '// kill-window end'`);
    found.push({ file, line: i + 1, code });
    i = j;
  }
  return found;
}

const KEYWORDS_BEFORE_PAREN = new Set(['if', 'for', 'while', 'switch', 'return', 'typeof', 'void', 'else', 'in', 'of']);

/** What in one line of code could stop a terminated thread: a call, a `new`, a loop. */
export function stopPointsIn(codeLine: string): string[] {
  const code = codeLine.replace(/\/\/.*$/, '').replace(/'[^']*'|"[^"]*"|`[^`]*`/g, "''");
  const found: string[] = [];
  for (const m of code.matchAll(/([\w$]+|[\])])\s*(\?\.)?\(/g)) {
    if (!KEYWORDS_BEFORE_PAREN.has(m[1]!)) found.push(`a call (${m[0].trim()}…)`);
  }
  if (/\bnew\s/.test(code)) found.push('a new (a constructor call)');
  if (/\b(for|while|do)\b/.test(code)) found.push('a loop (its back-edge is a stop point)');
  if (/\bawait\b|\byield\b/.test(code)) found.push('an await');
  return found;
}

test('the checker itself finds calls, constructors, loops and awaits, and passes plain stores', () => {
  assert.equal(stopPointsIn('this.words[word + 1] = first;'), []);
  assert.equal(stopPointsIn('const span = (index - start) >>> 0;'), []);
  assert.equal(stopPointsIn('if (count === 1 && !firstWraps) {'), []);
  assert.equal(stopPointsIn("record[0] = ENVELOPE_TAKEN; // a comment (with parens)"), []);
  assert.ok(stopPointsIn('const n = recordBytes(length);').length > 0, 'a helper call');
  assert.ok(stopPointsIn('Atomics.store(this.words, word, stamp);').length > 0, 'an Atomics builtin');
  assert.ok(stopPointsIn('this.hook?.(view);').length > 0, 'an optional call');
  assert.ok(stopPointsIn('const v = new Uint8Array(4);').length > 0, 'a constructor');
  assert.ok(stopPointsIn('for (let i = 0; i < 2; i++) x[i] = 0;').length > 0, 'a loop');
});

for (const [file, expected] of Object.entries(EXPECTED)) {
  test(`${file}: ${expected} kill window(s), none with a call in it`, () => {
    const windows = windowsIn(file, readFileSync(new URL(file, root), 'utf8'));
    assert.is(windows.length, expected, `${file} should keep its ${expected} kill window(s); found ${windows.length}`);
    for (const w of windows) {
      w.code.forEach((codeLine, k) => {
        const stops = stopPointsIn(codeLine);
        assert.equal(stops, [], `${file}:${w.line + 1 + k}: ${stops.join(', ')} inside a kill window: "${codeLine.trim()}"`);
      });
    }
  });
}

test.run();
