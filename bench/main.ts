// `npm run bench [-- <filter> ...] [--quick] [--passes=N]`
//
// Runs every case in bench/cases (peers and ours, in the same process run, one after another so
// they do not compete for the 2 cores), prints the machine facts, a table of figures with their
// ratios against the peers and the issues' targets, and as the LAST line one JSON object with
// every figure, ratio and verdict. Filters keep the cases whose id contains any of them
// (`npm run bench -- spsc postmessage`); --quick makes every case short (a smoke check: the
// figures of a quick run mean nothing). A full run goes over the cases 3 times (--passes=N) and
// combines the passes (harness/passes.ts).
import { cpus, loadavg, totalmem } from 'node:os';
import { ALL_CASES } from './cases/index.js';
import { combinePasses } from './harness/passes.js';
import { renderTable, type CaseRow } from './harness/report.js';
import { writeCharts } from './harness/charts.js';
import { COMPARISONS } from './harness/targets.js';
import { CaseSkipped, type RunContext } from './harness/types.js';

/** Passes over the cases in a full run (see harness/passes.ts for why more than one). */
const DEFAULT_PASSES = 3;

interface Args {
  quick: boolean;
  passes: number;
  filters: string[];
  /** Where to write the SVG charts; undefined: none. */
  charts: string | undefined;
}

/** Where a full run writes its charts (the README shows them). */
const DEFAULT_CHARTS_DIR = 'docs/charts';

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { quick: false, passes: 0, filters: [], charts: undefined };
  let charts: string | false | undefined;
  for (const a of argv) {
    if (a === '--quick') args.quick = true;
    else if (a === '--no-charts') charts = false;
    else if (a === '--charts') charts = DEFAULT_CHARTS_DIR;
    else if (a.startsWith('--charts=')) charts = a.slice('--charts='.length);
    else if (a.startsWith('--passes=')) {
      args.passes = Number(a.slice('--passes='.length));
      if (!Number.isInteger(args.passes) || args.passes < 1 || args.passes > 20) {
        console.error(`bench: --passes takes a whole number from 1 to 20 (got ${a.slice(9)})`);
        process.exit(2);
      }
    }
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench [-- <filter> ...] [--quick] [--passes=N] [--charts[=DIR] | --no-charts]\n  filters match case ids, e.g. spsc, rtt, postmessage, peer, ring\n  --quick     short runs, one pass (a smoke check; figures mean nothing)\n  --passes=N  run the selected cases N times over (default 3) and combine\n  --charts    write SVG charts of the run (a full, unfiltered run writes them to docs/charts)');
      process.exit(0);
    } else if (a.startsWith('-')) {
      console.error(`bench: unknown option ${a} (known: --quick, --passes=N, --charts[=DIR], --no-charts, --help)`);
      process.exit(2);
    } else args.filters.push(a.toLowerCase());
  }
  // A full, unfiltered run writes the README's charts; a quick or filtered one only when asked.
  args.charts = charts === false ? undefined : (charts ?? (args.quick || args.filters.length > 0 ? undefined : DEFAULT_CHARTS_DIR));
  return args;
}

/** A case's figures are named after it: its id itself, or its id and a dotted suffix. */
function isFigureOf(figureId: string, caseId: string): boolean {
  return figureId === caseId || figureId.startsWith(`${caseId}.`);
}

function machineFacts(): Record<string, unknown> {
  const cores = cpus();
  return {
    cores: cores.length,
    cpu: cores[0]?.model ?? 'unknown',
    node: process.version,
    v8: process.versions.v8,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
    date: new Date().toISOString(),
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const facts = machineFacts();
  console.log(`plexspaces-channel bench — ${facts.cores} cores (${facts.cpu}), node ${facts.node}, ${facts.memoryGiB} GiB, load ${facts.loadAverage1m} at start${args.quick ? ', QUICK run (figures not meaningful)' : ''}`);
  if ((facts.cores as number) <= 2) {
    console.log('note: 2 cores — cases with more spinning threads than cores (MPSC 3→1, MPMC 1→3) are oversubscribed by design; compare ratios from one run, not absolute times.');
  }

  const ctx: RunContext = {
    quick: args.quick,
    size: (full, quick) => (args.quick ? quick : full),
    log: (message) => process.stderr.write(`  ${message}\n`),
  };
  const matched = ALL_CASES.filter((c) => args.filters.length === 0 || args.filters.some((f) => c.id.toLowerCase().includes(f)));
  // A filtered run also runs the peers its cases are compared with, so the ratios exist.
  const peerIds = new Set(COMPARISONS.filter((cmp) => cmp.peer && matched.some((c) => isFigureOf(cmp.figure, c.id))).map((cmp) => cmp.peer!));
  const selected = ALL_CASES.filter((c) => matched.includes(c) || [...peerIds].some((id) => isFigureOf(id, c.id)));
  if (selected.length > matched.length) {
    console.log(`note: also running the peers of the selected cases: ${selected.filter((c) => !matched.includes(c)).map((c) => c.id).join(', ')}`);
  }
  if (matched.length === 0) {
    console.error(`bench: no case matches ${args.filters.join(', ')}; cases are:\n  ${ALL_CASES.map((c) => c.id).join('\n  ')}`);
    process.exit(2);
  }

  const passCount = args.passes || (args.quick ? 1 : DEFAULT_PASSES);
  const passes: CaseRow[][] = [];
  const started = performance.now();
  for (let pass = 0; pass < passCount; pass++) {
    const rows: CaseRow[] = [];
    for (const benchCase of selected) {
      if (pass > 0 && benchCase.onePass) continue;
      const t0 = performance.now();
      ctx.log(`pass ${pass + 1}/${passCount} ${benchCase.id}: ${benchCase.title} …`);
      try {
        const figures = await benchCase.run(ctx);
        rows.push({ caseId: benchCase.id, title: benchCase.title, status: 'ok', figures });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        rows.push({ caseId: benchCase.id, title: benchCase.title, status: error instanceof CaseSkipped ? 'skipped' : 'failed', reason, figures: [] });
        if (error instanceof Error) ctx.log(error.stack ?? reason);
      }
      ctx.log(`pass ${pass + 1}/${passCount} ${benchCase.id}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    passes.push(rows);
  }

  const { rows, verdicts, perPass } = combinePasses(passes);
  console.log('');
  console.log(renderTable(rows, verdicts));
  const failed = rows.filter((r) => r.status === 'failed').length;
  console.log(`\n${rows.length} cases in ${((performance.now() - started) / 1000).toFixed(0)} s: ${rows.filter((r) => r.status === 'ok').length} measured, ${failed} failed; ${passCount} pass${passCount === 1 ? '' : 'es'}; ratios are ours / peer, the median of the per-pass ratios, all measured in this run; load ${loadavg()[0]!.toFixed(2)} at the end.`);

  const json = {
    machine: { ...facts, loadAverage1mAtEnd: Number(loadavg()[0]!.toFixed(2)) },
    quick: args.quick,
    passes: passCount,
    figures: Object.fromEntries(rows.flatMap((r) => r.figures).map((f) => [f.id, { value: f.value, unit: f.unit, passes: perPass[f.id] ?? [f.value] }])),
    ratios: Object.fromEntries(verdicts.filter((v) => v.ratio !== undefined).map((v) => [`${v.figure}/${v.peer}`, v.ratio])),
    targets: verdicts.filter((v) => v.target !== undefined).map((v) => ({ figure: v.figure, peer: v.peer, target: v.target, value: v.checked ?? null, met: v.met ?? null, issue: v.issue, missing: v.missing })),
    cases: rows.map((r) => ({ id: r.caseId, status: r.status, reason: r.reason })),
  };
  if (args.charts !== undefined) {
    const figures = new Map(rows.flatMap((r) => r.figures).map((f) => [f.id, f]));
    const subtitle = `one run of npm run bench, ${passCount} passes (median ratio of the passes); ${facts.cores} cores, node ${facts.node}, ${String(facts.date).slice(0, 10)}`;
    for (const file of writeCharts(args.charts, figures, verdicts, subtitle)) console.log(`chart: ${file}`);
  }
  console.log(JSON.stringify(json));
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
