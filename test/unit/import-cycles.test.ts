// No import cycles in src/ or native-queue/ (a cycle made memory-channel.ts and subscription.ts
// depend on load order), and the layers import only downwards: native-queue imports nothing
// from src/; the shared layer (src/base and the files beside channel.ts) imports no backend.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { typeScriptFilesUnder } from '../support/source-files.js';

const test = suite('imports');
const root = resolve(new URL('../../', import.meta.url).pathname);


/**
 * Static imports that load a module at run time. `import type` / `export type` are left out:
 * they vanish in the compiled code, so a type-only loop (a pool and its feed naming each other's
 * types) orders nothing at load time; a value loop does (it made memory-channel.ts and
 * subscription.ts depend on which one loaded first).
 */
function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of source.matchAll(/^\s*(import|export)\s+(type\s)?[^;]*?from\s+'(\.[^']+)'/gms)) {
    if (m[2] !== undefined) continue;
    out.push(resolve(dirname(file), m[3]!.replace(/\.js$/, '.ts')));
  }
  return out;
}

const files = [...typeScriptFilesUnder(join(root, 'src')), ...typeScriptFilesUnder(join(root, 'native-queue'))];
const graph = new Map(files.map((f) => [f, importsOf(f)]));
const rel = (f: string) => relative(root, f);

test('no import cycles at run time', () => {
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
