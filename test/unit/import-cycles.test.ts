// No import cycles in src/ or native-queue/ (a cycle made memory-channel.ts and subscription.ts
// depend on load order), and the layers import only downwards: native-queue imports nothing
// from src/; the shared layer (src/base and the files beside channel.ts) imports no backend.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const test = suite('imports');
const root = resolve(new URL('../../', import.meta.url).pathname);

function sourcesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourcesUnder(path));
    else if (entry.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Static imports (type-only imports included: they still say which way a module depends). */
function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
    out.push(resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
  }
  return out;
}

const files = [...sourcesUnder(join(root, 'src')), ...sourcesUnder(join(root, 'native-queue'))];
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const rel = (f: string) => relative(root, f);

test('no cycles', () => {
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(file)), file].map(rel).join(' → '));
      return;
    }
    state.set(file, 'visiting');
    for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of files) visit(file, []);
  assert.equal(cycles, []);
});

test('native-queue imports nothing from src/; the shared layer imports no backend', () => {
  const wrong: string[] = [];
  for (const [file, imports] of graph) {
    const from = rel(file);
    for (const target of imports.map(rel)) {
      if (from.startsWith('native-queue/') && !target.startsWith('native-queue/')) wrong.push(`${from} → ${target}`);
      const shared = from.startsWith('src/base/') || /^src\/[^/]+\.ts$/.test(from);
      if (shared && from !== 'src/index.ts' && target.startsWith('src/backends/')) wrong.push(`${from} → ${target}`);
    }
  }
  assert.equal(wrong, []);
});

test.run();
