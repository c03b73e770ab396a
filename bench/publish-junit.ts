/**
 * publish-junit benchmark: the bundled action's heavy path (read a large JUnit report, tally,
 * render the summary, write the results file) against a bare streaming tokenizer pass (saxes,
 * counting elements) over the same file, in the same run, each in its own Node 24 process so
 * peak memory (maxRSS) is measured per side. Three sizes, each 10× the one before (4, 40 and
 * 400 MB by default): the figures that matter are the ratios (action / tokenizer, min and
 * median of interleaved runs, and large / small for memory).
 *
 *   npm run bench:publish-junit                         → bench/results/publish-junit.json
 *   BENCH_CASES=2000 BENCH_SIZES=2 npm run bench:...    → smaller and fewer sizes
 *   BENCH_RUNS=15 npm run bench:...                     → more runs per side (at least 5)
 *   BENCH_BUNDLE=/tmp/old-build npm run bench:...       → another build of the action
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNode24 } from '../shared/harness/runner.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const node = findNode24(root);
// Another build to measure (a folder holding its index.js), e.g. the one before a change.
const dist = process.env.BENCH_BUNDLE ?? path.join(root, 'dist', 'publish-junit');
// Nine by default: a run of the 4 MB report lasts about 0.1 s, and one slow run in five moves
// a median of five by a tenth on a shared machine.
const RUNS = Math.max(5, Number(process.env.BENCH_RUNS ?? 9));
const SMALL = Number(process.env.BENCH_CASES ?? 20_000);
const SIZES = Math.max(2, Number(process.env.BENCH_SIZES ?? 3));
const HEAP_CAP_MB = 32;
const TIME_GOAL = 1.2;
const MEMORY_GOAL = 1.5;

async function generate(file: string, cases: number): Promise<void> {
  const out = createWriteStream(file);
  const write = (s: string) =>
    out.write(s) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  await write('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n');
  const perSuite = 1000;
  for (let i = 0; i < cases; i++) {
    if (i % perSuite === 0) {
      if (i) await write('</testsuite>\n');
      await write(
        `<testsuite name="kubevirt.io/kubevirt/tests/suite${i / perSuite}" package="tests">\n`,
      );
    }
    const name = `[It] [sig-compute] VM ${i} boots and reaches Running with the hypervisor [l1hv-new, sig-compute]`;
    const open = `<testcase name="${name}" classname="Tests Suite" time="${(i % 97) / 10}"`;
    if (i % 100 === 7) {
      await write(
        `${open}><failure message="Timed out after 300s: VMI ${i} not Running" type="failed">[FAILED] Timed out after 300s&#10;In [It] at: tests/vm_${i % 50}_test.go:${i % 400}&#10;${'  goroutine stack frame line\n'.repeat(8)}</failure><system-err>${'log line &lt;vmi&gt; phase=Scheduling\n'.repeat(5)}</system-err></testcase>\n`,
      );
    } else if (i % 50 === 3) {
      await write(`${open}><skipped message="filtered by label"/></testcase>\n`);
    } else {
      await write(`${open}><system-out>ok</system-out></testcase>\n`);
    }
  }
  await write('</testsuite>\n</testsuites>\n');
  await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
}

const REPORT_USAGE = `process.on('exit', () => require('node:fs').writeSync(3, JSON.stringify({ ms: performance.now() - globalThis.__t0, maxRssKb: process.resourceUsage().maxRSS })));`;

function tokenizerScript(dir: string): string {
  const file = path.join(dir, 'tokenizer.cjs');
  writeFileSync(
    file,
    `globalThis.__t0 = performance.now();
${REPORT_USAGE}
const { SaxesParser } = require(${JSON.stringify(path.join(root, 'node_modules', 'saxes'))});
const p = new SaxesParser();
let n = 0;
p.on('opentag', () => n++);
const s = require('node:fs').createReadStream(process.argv[2], { encoding: 'utf8', highWaterMark: 256 * 1024 });
s.on('data', (c) => p.write(c));
s.on('end', () => { p.close(); if (n === 0) process.exit(2); });
`,
  );
  return file;
}

/** The bundle copied into the run's folder: a rebuild of dist/ during the run cannot touch it. */
function actionScript(dir: string): string {
  const copy = path.join(dir, 'bundle');
  cpSync(dist, copy, { recursive: true });
  const bundle = path.join(copy, 'index.js');
  const file = path.join(dir, 'action.mjs');
  writeFileSync(
    file,
    `globalThis.__t0 = performance.now();
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
${REPORT_USAGE}
await import(${JSON.stringify(bundle)});
`,
  );
  return file;
}

interface Sample {
  ms: number;
  maxRssMb: number;
}

function measure(
  script: string,
  args: string[],
  env: Record<string, string>,
  nodeFlags: string[] = [],
): Sample {
  const r = spawnSync(node, [...nodeFlags, script, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const usage = r.output[3]?.toString() ?? '';
  if (r.status !== 0 || !usage) {
    throw new Error(
      `${path.basename(script)} failed (${r.status}): ${r.stderr?.toString().slice(0, 500)} ${r.stdout?.toString().slice(-500)}`,
    );
  }
  const u = JSON.parse(usage) as { ms: number; maxRssKb: number };
  return { ms: Math.round(u.ms), maxRssMb: Math.round(u.maxRssKb / 102.4) / 10 };
}

function actionEnv(ws: string, dir: string, file: string, cases: number): Record<string, string> {
  return {
    GITHUB_WORKSPACE: ws,
    RUNNER_TEMP: dir,
    GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'),
    GITHUB_OUTPUT: path.join(dir, 'output'),
    INPUT_PATHS: path.basename(file),
    INPUT_PROFILE: '.github/virt-ci.yaml',
    'INPUT_CHECK-RUN': 'false',
    'INPUT_FAIL-ON': 'none',
    INPUT_ANNOTATIONS: '10',
    INPUT_OUTPUT: `results-${cases}.json`,
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round2 = (x: number) => Math.round(x * 100) / 100;

function best(samples: Sample[]): Sample & { minMs: number } {
  return {
    ms: median(samples.map((s) => s.ms)),
    minMs: Math.min(...samples.map((s) => s.ms)),
    maxRssMb: median(samples.map((s) => s.maxRssMb)),
  };
}

interface Sides {
  dir: string;
  ws: string;
  tokenizer: string;
  action: string;
}

type Startup = { tokenizer: number; action: number };

/** Start-up alone (a one-case report) on each side, so reading can be compared without it. */
async function measureStartup(s: Sides): Promise<Startup> {
  const file = path.join(s.ws, 'junit-1.xml');
  await generate(file, 1);
  const env = actionEnv(s.ws, s.dir, file, 1);
  const t: number[] = [];
  const a: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    writeFileSync(env.GITHUB_STEP_SUMMARY, '');
    writeFileSync(env.GITHUB_OUTPUT, '');
    t.push(measure(s.tokenizer, [file], {}).ms);
    a.push(measure(s.action, [], env).ms);
  }
  rmSync(file);
  return { tokenizer: median(t), action: median(a) };
}

async function measureSize(s: Sides, cases: number, startup: Startup) {
  const file = path.join(s.ws, `junit-${cases}.xml`);
  await generate(file, cases);
  const bytes = statSync(file).size;
  const env = actionEnv(s.ws, s.dir, file, cases);
  const base: Sample[] = [];
  const act: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    writeFileSync(env.GITHUB_STEP_SUMMARY, '');
    writeFileSync(env.GITHUB_OUTPUT, '');
    base.push(measure(s.tokenizer, [file], {}));
    act.push(measure(s.action, [], env));
  }
  // V8 lets the heap grow lazily when it has room; a small old-space cap shows what the
  // action actually keeps: it must finish inside the same cap at both sizes.
  const capped = measure(s.action, [], env, [`--max-old-space-size=${HEAP_CAP_MB}`]);
  rmSync(file);
  const b = best(base);
  const a = best(act);
  return {
    cases,
    megabytes: Math.round(bytes / 1e5) / 10,
    tokenizer: b,
    action: a,
    samples: { tokenizerMs: base.map((x) => x.ms), actionMs: act.map((x) => x.ms) },
    /** Median over median; the same for the quickest run of each side. */
    timeRatio: round2(a.ms / b.ms),
    timeRatioMin: round2(a.minMs / b.minMs),
    readTimeRatio: round2(
      Math.max(1, a.ms - startup.action) / Math.max(1, b.ms - startup.tokenizer),
    ),
    memoryRatio: round2(a.maxRssMb / b.maxRssMb),
    actionWithHeapCap: { oldSpaceMb: HEAP_CAP_MB, ...capped },
  };
}

type Row = Awaited<ReturnType<typeof measureSize>>;

function goals(rows: Row[]) {
  const out: { what: string; value: number; goal: string; met: boolean }[] = [];
  for (const r of rows) {
    const value = Math.max(r.timeRatio, r.timeRatioMin);
    out.push({
      what: `time vs a bare saxes pass, ${r.megabytes} MB (worse of min and median ratio)`,
      value,
      goal: `<= ${TIME_GOAL}x`,
      met: value <= TIME_GOAL,
    });
  }
  for (let i = 1; i < rows.length; i++) {
    const value = round2(rows[i].action.maxRssMb / rows[i - 1].action.maxRssMb);
    out.push({
      what: `peak memory growth, ${rows[i - 1].megabytes} -> ${rows[i].megabytes} MB report`,
      value,
      goal: `< ${MEMORY_GOAL}`,
      met: value < MEMORY_GOAL,
    });
  }
  return out;
}

function summarize(rows: Row[], startup: Startup) {
  const growth = rows.slice(1).map((r, i) => ({
    sizeFactor: r.cases / rows[i].cases,
    actionTimeGrowth: round2(r.action.ms / rows[i].action.ms),
    actionMemoryGrowth: round2(r.action.maxRssMb / rows[i].action.maxRssMb),
    tokenizerMemoryGrowth: round2(r.tokenizer.maxRssMb / rows[i].tokenizer.maxRssMb),
  }));
  return {
    benchmark: 'publish-junit: bundled action vs a bare saxes pass over the same report',
    node: spawnSync(node, ['--version']).stdout.toString().trim(),
    runsPerSide: RUNS,
    bundle: process.env.BENCH_BUNDLE ? 'BENCH_BUNDLE' : 'dist/publish-junit',
    note: 'ms and maxRssMb are medians of whole processes (Node 24 start-up included on both sides); runs alternate between the sides',
    startupMs: startup,
    sizes: rows,
    scaling: growth,
    goals: goals(rows),
    targets: {
      [`large report read inside a ${HEAP_CAP_MB} MB old-space heap`]: true,
    },
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-publish-junit-'));
  const ws = path.join(dir, 'ws');
  mkdirSync(ws);
  const sides: Sides = { dir, ws, tokenizer: tokenizerScript(dir), action: actionScript(dir) };
  const rows: Row[] = [];
  let startup: Startup;
  try {
    startup = await measureStartup(sides);
    for (let i = 0, cases = SMALL; i < SIZES; i++, cases *= 10)
      rows.push(await measureSize(sides, cases, startup));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const result = summarize(rows, startup);
  mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  writeFileSync(
    path.join(root, 'bench', 'results', 'publish-junit.json'),
    JSON.stringify(result, null, 2) + '\n',
  );
  console.log(JSON.stringify(result, null, 2));
}

await main();
