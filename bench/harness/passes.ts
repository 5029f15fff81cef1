// Several passes over the selected cases, combined. Why: the machine is shared and its load
// changes by the second, so a peer measured at one moment and our ring a minute later can differ
// by the load alone. Running every case once per pass, in the same order, exposes each pair to the
// same conditions several times; a ratio is taken WITHIN each pass (peer and ours a few seconds
// apart) and the reported ratio is the median of those per-pass ratios. A figure's value is the
// median of its per-pass values.
import { median } from './measure.js';
import { formatValue, judge, type CaseRow, type Verdict } from './report.js';
import { COMPARISONS, meets } from './targets.js';
import type { Figure } from './types.js';

export interface Combined {
  rows: CaseRow[];
  verdicts: Verdict[];
  /** Every pass's value of every figure, for the JSON line. */
  perPass: Record<string, number[]>;
}

function figuresOf(pass: readonly CaseRow[]): Map<string, Figure> {
  const map = new Map<string, Figure>();
  for (const row of pass) for (const f of row.figures) map.set(f.id, f);
  return map;
}

export function combinePasses(passes: readonly (readonly CaseRow[])[]): Combined {
  const perPass: Record<string, number[]> = {};
  for (const pass of passes) for (const row of pass) for (const f of row.figures) (perPass[f.id] ??= []).push(f.value);

  const first = passes[0] ?? [];
  const rows: CaseRow[] = first.map((row) => {
    const all = passes.map((p) => p.find((r) => r.caseId === row.caseId)).filter((r): r is CaseRow => r !== undefined);
    const bad = all.find((r) => r.status === 'failed') ?? all.find((r) => r.status !== 'ok');
    if (bad) return { ...bad, figures: [] };
    const figures = row.figures.map((f): Figure => {
      const values = perPass[f.id] ?? [f.value];
      if (values.length === 1) return f;
      const value = median(values);
      // The detail of the pass closest to the median, plus every pass's value.
      const closest = all.map((r) => r.figures.find((x) => x.id === f.id)).filter((x): x is Figure => x !== undefined).sort((a, b) => Math.abs(a.value - value) - Math.abs(b.value - value))[0];
      const passText = `passes: ${values.map((v) => formatValue(v, f.unit)).join(' / ')}`;
      return { ...f, value, detail: closest?.detail ? `${passText}; ${closest.detail}` : passText };
    });
    return { ...row, figures };
  });

  const passVerdicts = passes.map((p) => judge(figuresOf(p)));
  const combinedFigures = figuresOf(rows);
  const verdicts = COMPARISONS.map((c, i): Verdict => {
    const each = passVerdicts.map((vs) => vs[i]!).filter((v) => v.checked !== undefined);
    const base = judge(combinedFigures, [c])[0]!;
    if (each.length === 0 || base.missing) return base;
    const v: Verdict = { ...base };
    if (c.peer !== undefined) {
      v.ratio = median(each.map((e) => e.ratio!));
      v.checked = v.ratio;
    }
    if (c.target && v.checked !== undefined) v.met = meets(v.checked, c.target);
    return v;
  });
  return { rows, verdicts, perPass };
}
