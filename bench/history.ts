/**
 * The test history's cost in publish-junit: the bundled action on one 10k-test report with a
 * history folder of 100 runs × 10k tests (read, classify, render, add this run), beside the
 * same run without history, interleaved, each a Node 24 process of its own. Goal: ≤ 0.5 s and
 * ≤ 100 MB more. Also the size one run of 10k tests adds to the store (goal: well under 1 MB).
 *
 *   npm run bench:publish-junit   → bench/results/publish-junit.json, then history.json
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNode24 } from '../shared/harness/runner.js';
import { DirectoryStore } from '../shared/history/directory-store.js';
import { testKey, type HistoryOutcome, type HistoryRun } from '../shared/history/entry.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const node = findNode24(root);
const bundle = path.join(root, 'dist', 'publish-junit', 'index.js');
const TESTS = Number(process.env.BENCH_TESTS ?? 10_000);
const RUNS = Number(process.env.BENCH_HISTORY_RUNS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CLASSNAME = 'kubevirt.io/kubevirt/tests';
const name = (i: number) => `[It] [sig-compute] VM ${i} boots and reaches Running [l1hv-new]`;

function report(): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', '<testsuites><testsuite name="e2e">'];
  for (let i = 0; i < TESTS; i++) {
    const open = `<testcase classname="${CLASSNAME}" name="${name(i)}" time="${(i % 97) / 10}"`;
    out.push(
      i % 500 === 7
        ? `${open}><failure message="timed out">VMI not Running</failure></testcase>`
        : `${open}></testcase>`,
    );
  }
  out.push('</testsuite></testsuites>', '');
  return out.join('\n');
}

async function history(dir: string): Promise<number> {
  const store = new DirectoryStore(dir, { keep: RUNS + 1 });
  const t0 = Date.parse('2026-10-01T00:00:00Z');
  for (let r = 0; r < RUNS; r++) {
    const tests = new Map<
      string,
      { outcome: HistoryOutcome; attempts: number; durationMs: number }
    >();
    for (let i = 0; i < TESTS; i++) {
      const outcome: HistoryOutcome =
        (i + r) % 997 === 0 ? 'failed' : (i * 7 + r) % 1499 === 0 ? 'flaky' : 'passed';
      tests.set(testKey(CLASSNAME, name(i)), {
        outcome,
        attempts: outcome === 'flaky' ? 2 : 1,
        durationMs: (i % 97) * 100,
      });
    }
    const run: HistoryRun = {
      repository: 'octo-org/octo-repo',
      workflow: 'ci',
      environment: 'default',
      runId: String(1000 + r),
      runAttempt: 1,
      sha: r.toString(16).padStart(40, '0'),
      branch: 'main',
      time: new Date(t0 + r * 3_600_000).toISOString(),
      tests,
    };
    await store.write(run);
  }
  const files = readdirSync(path.join(dir, 'default'));
  return statSync(path.join(dir, 'default', files[0])).size;
}

const USAGE = `process.on('exit', () => require('node:fs').writeSync(3, JSON.stringify({ ms: performance.now() - globalThis.__t0, maxRssKb: process.resourceUsage().maxRSS })));`;

function measure(script: string, env: Record<string, string>): { ms: number; rssMb: number } {
  const r = spawnSync(node, [script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const usage = r.output[3]?.toString() ?? '';
  if (r.status !== 0 || !usage)
    throw new Error(`run failed (${r.status}): ${r.stdout} ${r.stderr}`);
  const u = JSON.parse(usage) as { ms: number; maxRssKb: number };
  return { ms: u.ms, rssMb: u.maxRssKb / 1024 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-history-'));
  try {
    const ws = path.join(dir, 'ws');
    mkdirSync(ws);
    writeFileSync(path.join(ws, 'report.xml'), report());
    const seed = path.join(dir, 'seed');
    const entryBytes = await history(seed);
    const script = path.join(dir, 'run.mjs');
    writeFileSync(
      script,
      `globalThis.__t0 = performance.now();\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n${USAGE}\nawait import(${JSON.stringify(bundle)});\n`,
    );
    const env = (history: string) => ({
      GITHUB_WORKSPACE: ws,
      RUNNER_TEMP: dir,
      GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md'),
      GITHUB_OUTPUT: path.join(dir, 'output'),
      GITHUB_REPOSITORY: 'octo-org/octo-repo',
      GITHUB_WORKFLOW: 'ci',
      GITHUB_RUN_ID: '5000',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_SHA: 'f'.repeat(40),
      GITHUB_REF: 'refs/heads/main',
      INPUT_PATHS: 'report.xml',
      'INPUT_CHECK-RUN': 'false',
      'INPUT_FAIL-ON': 'none',
      INPUT_SUMMARY: 'true',
      INPUT_ANNOTATIONS: '10',
      INPUT_FLAKY: 'true',
      INPUT_HISTORY: history,
    });
    const without: { ms: number; rssMb: number }[] = [];
    const withHistory: { ms: number; rssMb: number }[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      without.push(measure(script, env('')));
      // A fresh copy each round: every run reads the same 100 runs.
      const h = path.join(dir, `h${i}`);
      cpSync(seed, h, { recursive: true });
      withHistory.push(measure(script, env(h)));
      rmSync(h, { recursive: true, force: true });
    }
    const addedMs = withHistory.map((w, i) => w.ms - without[i].ms);
    const addedMb = withHistory.map((w, i) => w.rssMb - without[i].rssMb);
    const result = {
      benchmark: 'publish-junit with a history of 100 runs × 10k tests vs without history',
      node: spawnSync(node, ['--version']).stdout.toString().trim(),
      tests: TESTS,
      historyRuns: RUNS,
      rounds: ROUNDS,
      entryKb: round(entryBytes / 1024),
      withoutMs: {
        min: round(Math.min(...without.map((s) => s.ms))),
        median: round(median(without.map((s) => s.ms))),
      },
      withHistoryMs: {
        min: round(Math.min(...withHistory.map((s) => s.ms))),
        median: round(median(withHistory.map((s) => s.ms))),
      },
      addedMs: { min: round(Math.min(...addedMs)), median: round(median(addedMs)) },
      addedMb: { min: round(Math.min(...addedMb)), median: round(median(addedMb)) },
      goals: [] as { what: string; value: number; goal: string; met: boolean }[],
    };
    result.goals = [
      {
        what: 'history: time added (median, ms)',
        value: result.addedMs.median,
        goal: '<= 500 ms',
        met: result.addedMs.median <= 500,
      },
      {
        what: 'history: peak memory added (median, MB)',
        value: result.addedMb.median,
        goal: '<= 100 MB',
        met: result.addedMb.median <= 100,
      },
      {
        what: 'history: one run of 10k tests in the store (kB)',
        value: result.entryKb,
        goal: '< 1024 kB',
        met: result.entryKb < 1024,
      },
    ];
    mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(
      path.join(root, 'bench', 'results', 'history.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    console.log(JSON.stringify(result, null, 2));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
