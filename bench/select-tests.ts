/**
 * select-tests benchmark: inventories of 1k, 10k and 100k Ginkgo specs. For each size, in the
 * same run and interleaved round by round: the floors (reading and JSON.parse of the inventory;
 * a bare streaming saxes pass over the JUnit timings), selection (parse the filter, read the
 * inventory, evaluate every spec's labels, build the args), and selection plus 8 shards
 * balanced by the timings. Ratios: select / parse and shard / (parse + tokenizer), min and
 * median over the rounds; the goal for both is 2. Writes bench/results/select-tests.json.
 */
import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SaxesParser } from 'saxes';
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

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const min = (xs: number[]) => Math.min(...xs);
function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
const round2 = (x: number) => Number(x.toFixed(2));

/** The floor for reading timings: a streaming tokenizer pass that only counts elements. */
function tokenize(file: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = new SaxesParser();
    let n = 0;
    p.on('opentag', () => n++);
    const s = createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 });
    s.on('data', (c) => p.write(c as string));
    s.on('error', reject);
    s.on('end', () => {
      p.close();
      resolve(n);
    });
  });
}

// The labels are given, so nothing is fetched: the bench measures the selection alone.
const deps: Deps = { log: silentLog, env: {}, retry: defaultPolicy(), now: () => new Date() };
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-select-tests-'));
const results = [];
try {
  for (const n of SIZES) {
    const { inventory, timings } = writeSuite(dir, n);
    const rounds = n >= 100_000 ? 15 : n >= 10_000 ? 15 : 20;
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
      sources: {
        inventory: 'input "inventory"',
        quarantine: 'input "quarantine"',
        timings: 'input "timings"',
      },
      matrix: false,
      failOnEmpty: false,
      autoQuarantine: false,
      rerun: 'all',
      run: { id: '1', attempt: 1 },
      tempDir: dir,
    };
    const shardOpts: Options = {
      ...base,
      shardCount: 8,
      shardIndex: 3,
      timings: [path.basename(timings)],
    };
    const t = {
      parse: [] as number[],
      tokenize: [] as number[],
      select: [] as number[],
      shard: [] as number[],
    };
    let selected = 0;
    let balance = 0;
    // Interleaved: each round measures all four, so drift falls on all alike, and in a
    // rotating order, so each follows each of the others as often: the garbage one leaves
    // (the 100k inventory's JSON.parse leaves ~100 MB) is collected during whichever comes
    // next. A short pause between them lets the collector's background threads finish.
    const steps: Array<[keyof typeof t, () => Promise<unknown> | unknown]> = [
      ['parse', () => JSON.parse(readFileSync(inventory, 'utf8'))],
      ['tokenize', () => tokenize(timings)],
      [
        'select',
        async () => {
          selected = (await selectTests(base, deps)).tests?.length ?? 0;
        },
      ],
      [
        'shard',
        async () => {
          const sel = await selectTests(shardOpts, deps);
          balance = Math.max(...(sel.shards ?? []).map((s) => s.seconds)) / (sel.lowerBound ?? 1);
        },
      ],
    ];
    for (let i = 0; i < rounds; i++) {
      for (let k = 0; k < steps.length; k++) {
        const [name, fn] = steps[(i + k) % steps.length];
        t[name].push(await time(fn));
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const floor = t.parse.map((p, i) => p + t.tokenize[i]);
    results.push({
      tests: n,
      selected,
      rounds,
      inventoryBytes: readFileSync(inventory).length,
      timingsBytes: readFileSync(timings).length,
      parseMs: { min: round2(min(t.parse)), median: round2(median(t.parse)) },
      tokenizeTimingsMs: { min: round2(min(t.tokenize)), median: round2(median(t.tokenize)) },
      selectMs: { min: round2(min(t.select)), median: round2(median(t.select)) },
      shard8Ms: { min: round2(min(t.shard)), median: round2(median(t.shard)) },
      selectVsParse: {
        min: round2(min(t.select) / min(t.parse)),
        median: round2(median(t.select) / median(t.parse)),
        goal: 2,
      },
      shard8VsParsePlusTokenize: {
        min: round2(min(t.shard) / min(floor)),
        median: round2(median(t.shard) / median(floor)),
        goal: 2,
      },
      longestShardVsLowerBound: Number(balance.toFixed(4)),
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const big = results[results.length - 1];
const goal = (what: string, r: { min: number; median: number }) => ({
  what,
  value: Math.max(r.min, r.median),
  goal: '<= 2x',
  met: r.min <= 2 && r.median <= 2,
});
const out = {
  benchmark: 'select-tests',
  node: process.version,
  filter: FILTER,
  note: "parse = readFileSync + JSON.parse of the Ginkgo dry-run report; tokenize = a bare streaming saxes pass over the JUnit timings; select = the action core (filter parse, inventory read, label evaluation, args and the arguments file); shard8 = select + reading the timings + 8 shards balanced by them; min and median of interleaved rounds; a goal's value is the larger of the min and median ratios",
  goals: [
    goal(`${big.tests} tests, filter only, vs JSON.parse of the inventory`, big.selectVsParse),
    goal(
      `${big.tests} tests, 8 shards balanced by timings, vs JSON.parse + a tokenizer pass over the timings`,
      big.shard8VsParsePlusTokenize,
    ),
  ],
  results,
};
mkdirSync(path.join(import.meta.dirname, 'results'), { recursive: true });
writeFileSync(
  path.join(import.meta.dirname, 'results', 'select-tests.json'),
  JSON.stringify(out, null, 2) + '\n',
);
console.log(JSON.stringify(out, null, 2));
