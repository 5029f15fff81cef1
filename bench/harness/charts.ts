// SVG charts of one bench run, for the README: every comparison with a peer becomes a pair of
// bars (ours, the peer) in the chart of its kind — throughput, latency, time per message — each
// bar labelled with its value and the pair with the ratio. Plain SVG written here (a few dozen
// lines) rather than a charting dependency: the figures are few, the layout fixed, and the files
// must render on GitHub without scripts. Nothing is invented: a bar is a figure of the run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatValue, type Verdict } from './report.js';
import type { Figure } from './types.js';

interface Pair {
  label: string;
  ours: Figure;
  peer: Figure;
  ratio: number;
}

/** Which chart a figure belongs to, by its unit. */
const CHARTS: { file: string; title: string; units: readonly string[] }[] = [
  { file: 'throughput.svg', title: 'Throughput, ours beside the peer (longer is better; log scale)', units: ['msg/s', 'pair/s', 'task/s', 'GB/s'] },
  { file: 'latency.svg', title: 'Latency, ours beside the peer (shorter is better; log scale)', units: ['µs', 'ms'] },
  { file: 'per-message.svg', title: 'Time per message, ours beside the reference (shorter is better; log scale)', units: ['ns/msg'] },
];

const WIDTH = 960;
const LABEL_W = 380;
const BAR_H = 14;
const PAIR_GAP = 14;
const TOP = 40;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function chart(title: string, pairs: readonly Pair[], subtitle: string): string {
  const values = pairs.flatMap((p) => [p.ours.value, p.peer.value]).filter((v) => v > 0);
  const lo = Math.log10(Math.min(...values)) - 0.3;
  const hi = Math.log10(Math.max(...values)) + 0.1;
  const barSpace = WIDTH - LABEL_W - 150;
  const x = (v: number) => Math.max(2, ((Math.log10(v) - lo) / (hi - lo)) * barSpace);
  const height = TOP + pairs.length * (2 * BAR_H + PAIR_GAP) + 30;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="18" font-size="14" font-weight="bold">${escape(title)}</text>`,
    `<text x="10" y="33" fill="#555">${escape(subtitle)}</text>`,
  ];
  pairs.forEach((p, i) => {
    const y = TOP + i * (2 * BAR_H + PAIR_GAP);
    out.push(`<text x="10" y="${y + BAR_H}" >${escape(p.label)}</text>`);
    out.push(`<text x="10" y="${y + 2 * BAR_H}" fill="#555">×${p.ratio >= 10 ? p.ratio.toFixed(0) : p.ratio.toFixed(2)} vs ${escape(p.peer.label)}</text>`);
    for (const [k, f, colour] of [[0, p.ours, '#2b6cb0'], [1, p.peer, '#a0aec0']] as const) {
      const w = x(f.value);
      const top = y + k * BAR_H;
      out.push(`<rect x="${LABEL_W}" y="${top + 1}" width="${w.toFixed(1)}" height="${BAR_H - 2}" fill="${colour}"/>`);
      out.push(`<text x="${(LABEL_W + w + 4).toFixed(1)}" y="${top + BAR_H - 3}">${escape(formatValue(f.value, f.unit))} ${escape(f.unit)}${k === 0 ? ' (ours)' : ''}</text>`);
    }
  });
  out.push('</svg>');
  return out.join('\n');
}

/**
 * Writes one SVG per chart kind into `dir` from the run's figures and verdicts; returns the files
 * written (a kind with no pair measured in this run is left out).
 */
export function writeCharts(dir: string, figures: ReadonlyMap<string, Figure>, verdicts: readonly Verdict[], subtitle: string): string[] {
  const pairs: Pair[] = [];
  const seen = new Set<string>();
  for (const v of verdicts) {
    if (v.peer === undefined || v.ratio === undefined) continue;
    const key = `${v.figure}/${v.peer}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const ours = figures.get(v.figure);
    const peer = figures.get(v.peer);
    if (ours && peer) pairs.push({ label: ours.label, ours, peer, ratio: v.ratio });
  }
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const c of CHARTS) {
    const mine = pairs.filter((p) => c.units.includes(p.ours.unit));
    if (mine.length === 0) continue;
    const path = join(dir, c.file);
    writeFileSync(path, chart(c.title, mine, subtitle));
    written.push(path);
  }
  return written;
}
