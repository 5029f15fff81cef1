// Turns the figures of one run into the table people read and the JSON line machines read.
// Nothing here invents a number: a ratio is computed only when both figures exist in this run.
import { COMPARISONS, meets, type Comparison } from './targets.js';
import type { Figure } from './types.js';

export interface CaseRow {
  caseId: string;
  title: string;
  status: 'ok' | 'failed' | 'skipped';
  reason?: string;
  figures: Figure[];
}

export interface Verdict {
  figure: string;
  peer?: string;
  ratio?: number;
  /** The number the target applies to: the ratio when there is a peer, else the figure. */
  checked?: number;
  target?: string;
  met?: boolean;
  issue?: number;
  missing?: string;
}

export function judge(figures: ReadonlyMap<string, Figure>, comparisons: readonly Comparison[] = COMPARISONS): Verdict[] {
  const verdicts: Verdict[] = [];
  for (const c of comparisons) {
    const ours = figures.get(c.figure);
    const peer = c.peer === undefined ? undefined : figures.get(c.peer);
    const v: Verdict = { figure: c.figure, peer: c.peer, target: c.target?.text, issue: c.issue };
    if (!ours) v.missing = `${c.figure} not measured`;
    else if (c.peer !== undefined && !peer) v.missing = `no ${shortPeer(c.peer)} figure`;
    else {
      v.ratio = peer ? ours.value / peer.value : undefined;
      v.checked = peer ? v.ratio : ours.value;
      if (c.target && v.checked !== undefined) v.met = meets(v.checked, c.target);
    }
    verdicts.push(v);
  }
  return verdicts;
}

export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  if (unit.endsWith('/s') && !unit.endsWith('B/s')) {
    if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
    if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
    return value.toFixed(0);
  }
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  if (Math.abs(value) >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

function formatRatio(ratio: number): string {
  return ratio >= 100 ? `${ratio.toFixed(0)}×` : ratio >= 10 ? `${ratio.toFixed(1)}×` : `${ratio.toFixed(2)}×`;
}

function shortPeer(id: string): string {
  return id.replace(/^peer\./, '').replace(/^channel\.spsc\./, '');
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + ' '.repeat(width - text.length);
}

/** The table: one line per figure, one more line per extra comparison of the same figure. */
export function renderTable(rows: readonly CaseRow[], verdicts: readonly Verdict[]): string {
  const header = ['case', 'figure', 'value', 'unit', 'ratio vs peer', 'target', 'met', 'detail'];
  const lines: string[][] = [];
  for (const row of rows) {
    if (row.status !== 'ok') {
      lines.push([row.caseId, `${row.status}${row.reason ? `: ${row.reason}` : ''}`, '', '', '', '', '', '']);
      continue;
    }
    for (const f of row.figures) {
      const mine = verdicts.filter((v) => v.figure === f.id);
      const first = mine[0];
      const cells = (v: Verdict | undefined, lead: boolean): string[] => [
        lead ? row.caseId : '',
        lead ? f.label : '',
        lead ? formatValue(f.value, f.unit) : '',
        lead ? f.unit : '',
        v?.ratio !== undefined ? `${formatRatio(v.ratio)} ${shortPeer(v.peer!)}` : v?.missing ? `(${v.missing})` : '',
        v?.target ?? '',
        v?.met === undefined ? '' : v.met ? 'yes' : 'NO',
        lead ? f.detail ?? '' : '',
      ];
      lines.push(cells(first, true));
      for (const extra of mine.slice(1)) lines.push(cells(extra, false));
    }
  }
  const widths = header.map((h, i) => Math.min(48, Math.max(h.length, ...lines.map((l) => (i === 7 ? 0 : l[i]!.length)))));
  const render = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i]!))).join('  ').trimEnd();
  return [render(header), render(widths.map((w) => '-'.repeat(w))), ...lines.map(render)].join('\n');
}
