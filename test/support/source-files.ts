// The project's own source files, for the tests that read code as text (house rules).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Every .ts file below `dir`, in a stable order. */
export function typeScriptFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...typeScriptFilesUnder(path));
    else if (entry.endsWith('.ts')) out.push(path);
  }
  return out;
}
