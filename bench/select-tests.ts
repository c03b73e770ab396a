/**
 * select-tests benchmark: inventories of 1k, 10k and 100k Ginkgo specs. For each size, in the
 * same run: the baseline (reading and parsing the inventory file alone), selection (parse the
 * filter, read the inventory, evaluate every spec's labels, build the args), and selection
 * plus 8 time-balanced shards from a JUnit timings file of the same suite. Figures are
 * medians of several rounds; ratios are against the baseline. Writes
 * bench/results/select-tests.json and prints it.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { selectTests } from '../actions/select-tests/select.js';
import type { Deps, Options } from '../actions/select-tests/types.js';
import { silentLog } from '../shared/action/log.js';
import { defaultPolicy } from '../shared/retry.js';

const SIZES = [1_000, 10_000, 100_000];
const FILTER =
  '(sig-compute || sig-network) && !l1hv-new && !mshv && Feature: isSubsetOf {LiveMigration, Multus, Snapshot}';
const SIGS = ['sig-compute', 'sig-network', 'sig-storage', 'sig-operator'];
const FEATURES = ['LiveMigration', 'Multus', 'Snapshot', 'HotplugNICs', 'SRIOV'];

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function writeSuite(dir: string, n: number): { inventory: string; timings: string } {
  const r = rng(n);
  const specs = [];
  const cases: string[] = [];
  for (let i = 0; i < n; i++) {
    const sig = SIGS[i % SIGS.length];
    const container = `[${sig}]Area ${Math.floor(i / 50)}`;
    const leaf = `should behave in case ${i}`;
    const labels = [
      ...(r() < 0.1 ? ['l1hv-new'] : []),
      ...(r() < 0.05 ? ['mshv'] : []),
      ...(r() < 0.3 ? [`Feature:${FEATURES[Math.floor(r() * FEATURES.length)]}`] : []),
      ...(r() < 0.1 ? ['Serial'] : []),
    ];
    specs.push({
      ContainerHierarchyTexts: [container],
      ContainerHierarchyLabels: [[sig]],
      LeafNodeType: 'It',
      LeafNodeText: leaf,
      LeafNodeLabels: labels,
      LeafNodeLocation: { FileName: `tests/area_${i % 97}_test.go`, LineNumber: 10 + (i % 500) },
      State: 'passed',
      RunTime: 0,
    });
    if (r() < 0.9) {
      const all = [sig, ...labels];
      cases.push(
        `<testcase name="[It] ${container} ${leaf} [${all.join(', ')}]" classname="Tests Suite" time="${(1 + 300 * r() ** 4).toFixed(3)}"/>`,
      );
    }
  }
  const inventory = path.join(dir, `dry-run-${n}.json`);
  const timings = path.join(dir, `junit-${n}.xml`);
  writeFileSync(
    inventory,
    JSON.stringify([{ SuiteDescription: 'Tests Suite', SuiteLabels: [], SpecReports: specs }]),
  );
  writeFileSync(
    timings,
    `<?xml version="1.0"?>\n<testsuites><testsuite name="Tests Suite">\n${cases.join('\n')}\n</testsuite></testsuites>\n`,
  );
  return { inventory, timings };
}

async function median(rounds: number, fn: () => Promise<unknown> | unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

// The labels are given, so nothing is fetched: the bench measures the selection alone.
const deps: Deps = { log: silentLog, env: {}, retry: defaultPolicy(), now: () => new Date() };
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-select-tests-'));
const results = [];
try {
  for (const n of SIZES) {
    const { inventory, timings } = writeSuite(dir, n);
    const rounds = n >= 100_000 ? 3 : 7;
    const base: Options = {
      workspace: dir,
      labelFilter: FILTER,
      scopeSource: 'input',
      focus: '',
      skip: '',
      runner: 'ginkgo',
      inventory: [path.basename(inventory)],
      prLabels: { given: ['virt-ci/skip:Serial'], apiUrl: '', repository: '' },
      shardCount: 1,
      shardIndex: 1,
      timings: [],
      matrix: false,
      failOnEmpty: false,
    };
    const baseline = await median(rounds, () => JSON.parse(readFileSync(inventory, 'utf8')));
    let selected = 0;
    const select = await median(rounds, async () => {
      selected = (await selectTests(base, deps)).tests?.length ?? 0;
    });
    let balance = 0;
    const shard = await median(rounds, async () => {
      const sel = await selectTests(
        {
          ...base,
          shardCount: 8,
          shardIndex: 3,
          timings: [path.basename(timings)],
        },
        deps,
      );
      balance = Math.max(...(sel.shards ?? []).map((s) => s.seconds)) / (sel.lowerBound ?? 1);
    });
    results.push({
      tests: n,
      selected,
      inventoryBytes: readFileSync(inventory).length,
      baselineReadParseMs: Number(baseline.toFixed(2)),
      selectMs: Number(select.toFixed(2)),
      selectAndShard8Ms: Number(shard.toFixed(2)),
      selectVsBaseline: Number((select / baseline).toFixed(2)),
      selectAndShardVsBaseline: Number((shard / baseline).toFixed(2)),
      longestShardVsLowerBound: Number(balance.toFixed(4)),
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const out = {
  benchmark: 'select-tests',
  node: process.version,
  filter: FILTER,
  note: 'baseline = readFileSync + JSON.parse of the Ginkgo dry-run report; select = the action core (filter parse, inventory read, label evaluation, args); shard = select + reading a JUnit timings file of the suite + LPT into 8 shards',
  results,
};
mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(
  path.join(import.meta.dirname, 'results', 'select-tests.json'),
  JSON.stringify(out, null, 2) + '\n',
);
console.log(JSON.stringify(out, null, 2));
