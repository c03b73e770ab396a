/**
 * promote-digest's heavy paths side by side with `skopeo copy --all --preserve-digests` doing
 * the same work in the same run, against real docker-registry instances on loopback. Both
 * tools go through the same counting proxies, so HTTP requests and uploaded bytes compare
 * like with like. Every figure is the min and median of interleaved runs (the order of the
 * tools turns round each run), each a process of its own as the runner starts it. Writes
 * bench/results/promote-digest.json with the goals of issue #17.
 *
 *   npm run bench:promote-digest [-- --reps N --memory-reps N --memory-only]
 *   npm run bench:promote-digest -- --bundle-root DIR --out FILE   (another build, to compare)
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promote } from '../actions/promote-digest/promote.js';
import { silentLog } from '../shared/action/log.js';
import { defaultPolicy } from '../shared/retry.js';
import { findNode24, findRepoRoot, runWorkflowStep } from '../shared/harness/runner.js';
import {
  tagLayout,
  writeBlob,
  writeImage,
  writeIndex,
} from '../test/promote-digest/support/images.js';
import { type Proxy, startProxy } from '../test/promote-digest/support/proxy.js';
import { run, skopeoPush, startRegistry } from '../test/promote-digest/support/registry.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const REPS = Math.max(5, Number(arg('--reps') ?? 7));
/** Where the bundle comes from (actions/promote-digest/action.yml, dist/): another build to compare. */
const BUNDLE_ROOT = arg('--bundle-root');
const MEMORY_REPS = Math.max(5, Number(arg('--memory-reps') ?? 5));
const MEMORY_SIZES_MIB = [4, 64, 256, 1024];
const MB = 1024 * 1024;

interface Figures {
  ms: number;
  requests: number;
  bytesUploaded: number;
}

interface Spread {
  min: number;
  median: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs: number[]): Spread => ({ min: Math.min(...xs), median: median(xs) });
const ratio = (a: number, b: number) => +(a / Math.max(1, b)).toFixed(2);

async function measure(proxies: Proxy[], fn: () => Promise<void>): Promise<Figures> {
  for (const p of proxies) p.counts.requests = p.counts.bytesIn = 0;
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  return {
    ms: Math.round(ms),
    requests: proxies.reduce((n, p) => n + p.counts.requests, 0),
    bytesUploaded: proxies.reduce((n, p) => n + p.counts.bytesIn, 0),
  };
}

interface Bench {
  repoRoot: string;
  work: string;
  noDockerConfig: string;
  /** The source registry's counting proxy. */
  pa: Proxy;
  freshTarget: () => Promise<Proxy>;
}

/** An image in the source registry, promoted by digest. */
interface Source {
  repository: string;
  digest: string;
}

type Tool = 'bundle' | 'library' | 'skopeo';
const TOOLS: Tool[] = ['bundle', 'library', 'skopeo'];

interface Scenario {
  name: string;
  source: Source;
  target: (tool: Tool, i: number) => Promise<{ ref: string; proxies: Proxy[] }>;
}

/** A 3-platform index sharing one base layer, pushed to the source registry. */
async function pushIndex(work: string, host: string) {
  const layout = path.join(work, 'image');
  const base = writeBlob(
    layout,
    randomBytes(8 * MB),
    'application/vnd.oci.image.layer.v1.tar+gzip',
  );
  const platforms = ['amd64', 'arm64', 's390x'].map((arch) =>
    writeImage(layout, { arch, shared: [base], layers: [4 * MB, 2 * MB, 64 * 1024] }),
  );
  const index = writeIndex(layout, platforms, 'v1');
  await skopeoPush(layout, 'v1', `${host}/app:dev`);
  rmSync(layout, { recursive: true, force: true });
  return { digest: index.digest, blobs: 1 + 3 * 4, bytes: 8 * MB + 3 * (6 * MB + 64 * 1024) };
}

/** A one-layer image whose layer is `mib` MiB of random bytes, pushed without holding it. */
async function pushBigImage(work: string, host: string, mib: number): Promise<Source> {
  const layout = path.join(work, `big-${mib}`);
  const dir = path.join(layout, 'blobs', 'sha256');
  mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, 'layer.tmp');
  const fd = openSync(tmp, 'w');
  const hash = createHash('sha256');
  for (let i = 0; i < mib; i++) {
    const chunk = randomBytes(MB);
    hash.update(chunk);
    writeSync(fd, chunk);
  }
  closeSync(fd);
  const digest = `sha256:${hash.digest('hex')}`;
  renameSync(tmp, path.join(dir, digest.slice(7)));
  const layer = {
    mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
    digest,
    size: mib * MB,
  };
  const config = writeBlob(
    layout,
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [digest] },
    }),
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest = writeBlob(
    layout,
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config,
      layers: [layer],
    }),
    'application/vnd.oci.image.manifest.v1+json',
  );
  tagLayout(layout, 'v1', manifest);
  await skopeoPush(layout, 'v1', `${host}/big${mib}:v1`);
  rmSync(layout, { recursive: true, force: true });
  return { repository: `big${mib}`, digest: manifest.digest };
}

function scenarios(b: Bench, index: Source, big: Source): Scenario[] {
  const { pa } = b;
  // Cross-registry targets are fresh registries per run and per tool: skopeo keeps a blob
  // location cache between runs and would otherwise mount what an earlier run uploaded.
  const crossRegistry = async (tool: Tool) => {
    const p = await b.freshTarget();
    return { ref: `${p.host}/${tool}/app:t`, proxies: [pa, p] };
  };
  return [
    {
      name: 'same-repo retag',
      source: index,
      target: async (tool, i) => ({ ref: `${pa.host}/app:${tool}-${i}`, proxies: [pa] }),
    },
    {
      name: 'cross-repo (mount)',
      source: index,
      target: async (tool, i) => ({ ref: `${pa.host}/${tool}-${i}/app:t`, proxies: [pa] }),
    },
    { name: 'cross-registry, 3-platform index', source: index, target: crossRegistry },
    { name: 'cross-registry, one 64 MiB layer', source: big, target: crossRegistry },
  ];
}

const sourceRef = (b: Bench, s: Source) => `${b.pa.host}/${s.repository}@${s.digest}`;

/** The shipped bundle in its own process, as the runner starts it (skopeo is one too). */
async function runBundle(
  b: Bench,
  s: Source,
  ref: string,
  env: Record<string, string> = {},
  node?: string,
) {
  const r = await runWorkflowStep({
    repoRoot: BUNDLE_ROOT ?? b.repoRoot,
    node,
    action: 'promote-digest',
    workspace: b.work,
    inputs: { source: sourceRef(b, s), targets: ref },
    env: { DOCKER_CONFIG: b.noDockerConfig, ...env },
    timeoutMs: 600_000,
  });
  if (r.exitCode !== 0) throw new Error(r.stdout + r.stderr);
  if (r.outputs.digest !== s.digest) throw new Error('digest changed');
}

/** The same work as a library call: no process start, but it shares the proxies' event loop. */
async function runLibrary(b: Bench, s: Source, ref: string): Promise<void> {
  const r = await promote(
    {
      source: sourceRef(b, s),
      targets: [ref],
      credentials: new Map(),
      referrers: false,
      overwrite: true,
      verifyOnly: false,
      concurrency: 4,
      insecure: [],
      workspace: b.work,
    },
    { log: silentLog, retry: defaultPolicy(), mask: () => undefined },
  );
  if (r.digest !== s.digest) throw new Error('digest changed');
}

const skopeoArgs = (from: string, to: string) => [
  'copy',
  '--all',
  '--preserve-digests',
  '--src-tls-verify=false',
  '--dest-tls-verify=false',
  '--quiet',
  `docker://${from}`,
  `docker://${to}`,
];

async function runSkopeo(b: Bench, s: Source, ref: string): Promise<void> {
  await run('skopeo', skopeoArgs(sourceRef(b, s), ref));
}

/** The tools in turn, starting with a different one each run. */
const rotation = <T>(xs: T[], i: number): T[] => xs.map((_, k) => xs[(i + k) % xs.length]);

async function runScenario(b: Bench, s: Scenario) {
  const runs: Record<Tool, Figures[]> = { bundle: [], library: [], skopeo: [] };
  const calls: Record<Tool, (ref: string) => Promise<void>> = {
    bundle: (ref) => runBundle(b, s.source, ref),
    library: (ref) => runLibrary(b, s.source, ref),
    skopeo: (ref) => runSkopeo(b, s.source, ref),
  };
  for (let i = 0; i < REPS; i++) {
    for (const tool of rotation(TOOLS, i)) {
      const t = await s.target(tool, i);
      runs[tool].push(await measure(t.proxies, () => calls[tool](t.ref)));
    }
  }
  const figures = (xs: Figures[]) => ({
    ms: spread(xs.map((x) => x.ms)),
    requests: median(xs.map((x) => x.requests)),
    bytesUploaded: median(xs.map((x) => x.bytesUploaded)),
  });
  const [o, lib, t] = [figures(runs.bundle), figures(runs.library), figures(runs.skopeo)];
  return {
    scenario: s.name,
    bundle: o,
    library: lib,
    skopeo: t,
    ratios: {
      bundleOverSkopeo: { min: ratio(o.ms.min, t.ms.min), median: ratio(o.ms.median, t.ms.median) },
      libraryOverSkopeo: {
        min: ratio(lib.ms.min, t.ms.min),
        median: ratio(lib.ms.median, t.ms.median),
      },
      requestsOursOverSkopeo: ratio(o.requests, t.requests),
      bytesOursOverSkopeo: t.bytesUploaded ? +(o.bytesUploaded / t.bytesUploaded).toFixed(3) : null,
    },
    runsMs: {
      bundle: runs.bundle.map((x) => x.ms),
      library: runs.library.map((x) => x.ms),
      skopeo: runs.skopeo.map((x) => x.ms),
    },
  };
}

/** What a process costs before any request: `node -e 0`, and the bundle failing on no input. */
async function startMs(b: Bench) {
  const node = findNode24(b.repoRoot);
  const nodeRuns: number[] = [];
  const bundleRuns: number[] = [];
  for (let i = 0; i < REPS; i++) {
    let t0 = performance.now();
    await run(node, ['-e', '0']);
    nodeRuns.push(Math.round(performance.now() - t0));
    t0 = performance.now();
    await runWorkflowStep({
      repoRoot: BUNDLE_ROOT ?? b.repoRoot,
      action: 'promote-digest',
      workspace: b.work,
    });
    bundleRuns.push(Math.round(performance.now() - t0));
  }
  return { nodeE0: spread(nodeRuns), bundleNoInput: spread(bundleRuns) };
}

/**
 * Peak resident memory of one process, by `/usr/bin/time` for both tools. Not the process's
 * own getrusage: a child forked from this (large) bench process inherits its high-water mark
 * across exec, so the bundle's peak would read as this process's size.
 */
function timedNode(b: Bench): string {
  const wrapper = path.join(b.work, 'timed-node.sh');
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec /usr/bin/time -f %M -o "$BENCH_RSS_FILE" ${findNode24(b.repoRoot)} "$@"\n`,
    { mode: 0o755 },
  );
  return wrapper;
}

const kibToMiB = (text: string) => Math.round(Number(text.trim().split('\n').pop()) / 1024);

/** One promotion of `s` into a fresh registry: its time and the process's peak memory. */
async function memoryRun(b: Bench, s: Source, tool: 'bundle' | 'skopeo', file: string) {
  const target = await startRegistry();
  try {
    const ref = `${target.host}/big:t`;
    const t0 = performance.now();
    if (tool === 'bundle') {
      await runBundle(b, s, ref, { BENCH_RSS_FILE: file }, timedNode(b));
      return { ms: Math.round(performance.now() - t0), mib: kibToMiB(readFileSync(file, 'utf8')) };
    }
    const { stderr } = await run('/usr/bin/time', [
      '-f',
      '%M',
      'skopeo',
      ...skopeoArgs(sourceRef(b, s), ref),
    ]);
    return { ms: Math.round(performance.now() - t0), mib: kibToMiB(stderr) };
  } finally {
    await target.stop();
  }
}

/**
 * Peak memory across registries by layer size, the bundle beside skopeo: each run a process
 * of its own into a fresh registry, interleaved. Goal (issue #17): the peak with the largest
 * layer within 32 MiB of the peak with the smallest.
 */
async function memoryBench(b: Bench, sources: Map<number, Source>) {
  const rows: Array<{
    layerMiB: number;
    bundlePeakMiB: Spread;
    skopeoPeakMiB: Spread;
    bundleMs: Spread;
    skopeoMs: Spread;
  }> = [];
  for (const mib of MEMORY_SIZES_MIB) {
    const s = sources.get(mib) ?? (await pushBigImage(b.work, b.pa.host, mib));
    const runs: Record<'bundle' | 'skopeo', { ms: number; mib: number }[]> = {
      bundle: [],
      skopeo: [],
    };
    for (let i = 0; i < MEMORY_REPS; i++) {
      for (const tool of rotation(['bundle', 'skopeo'] as const, i)) {
        runs[tool].push(await memoryRun(b, s, tool, path.join(b.work, `rss-${mib}-${i}`)));
      }
    }
    rows.push({
      layerMiB: mib,
      bundlePeakMiB: spread(runs.bundle.map((r) => r.mib)),
      skopeoPeakMiB: spread(runs.skopeo.map((r) => r.mib)),
      bundleMs: spread(runs.bundle.map((r) => r.ms)),
      skopeoMs: spread(runs.skopeo.map((r) => r.ms)),
    });
  }
  const peak = (mib: number) => rows.find((r) => r.layerMiB === mib)!.bundlePeakMiB.median;
  const smallest = MEMORY_SIZES_MIB[0];
  const largest = MEMORY_SIZES_MIB[MEMORY_SIZES_MIB.length - 1];
  return {
    what: 'peak RSS of one promotion of a one-layer image across registries, by layer size; min and median of interleaved runs',
    reps: MEMORY_REPS,
    rows,
    growthMiB: peak(largest) - peak(smallest),
    growthFrom64MiB: peak(largest) - peak(64),
  };
}

interface Goal {
  what: string;
  value: number;
  goal: string;
  met: boolean;
}

function goals(
  results: Awaited<ReturnType<typeof runScenario>>[],
  memory: Awaited<ReturnType<typeof memoryBench>> | undefined,
): Goal[] {
  const out: Goal[] = [];
  const timeGoal = (scenario: string, what: string) => {
    const r = results.find((x) => x.scenario === scenario);
    if (!r) return;
    const value = r.ratios.bundleOverSkopeo.median;
    out.push({
      what: `promote-digest ${what}: bundle ÷ skopeo (median; min ${r.ratios.bundleOverSkopeo.min})`,
      value,
      goal: '<= 1.0x',
      met: value <= 1.0,
    });
  };
  timeGoal('cross-registry, 3-platform index', 'across registries, 3-platform index');
  timeGoal('cross-registry, one 64 MiB layer', 'across registries, one 64 MiB layer');
  timeGoal('cross-repo (mount)', 'same registry, other repository (mount only)');
  if (memory) {
    out.push({
      what: `promote-digest peak RSS, 1 GiB layer minus 4 MiB layer (median MiB; ${memory.rows.map((r) => `${r.layerMiB} MiB: ${r.bundlePeakMiB.median}`).join(', ')}; skopeo ${memory.rows[0].skopeoPeakMiB.median})`,
      value: memory.growthMiB,
      goal: '<= 32 MiB',
      met: memory.growthMiB <= 32,
    });
  }
  return out;
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'pd-bench-'));
  // Registries and the harness's step folders go into the bench's folder, removed at the end.
  process.env.TMPDIR = path.join(work, 'tmp');
  mkdirSync(process.env.TMPDIR);
  const a = await startRegistry();
  const pa = await startProxy(a.host);
  const fresh: Array<{ stop(): Promise<void> }> = [];
  const b: Bench = {
    repoRoot: findRepoRoot(),
    work,
    noDockerConfig: mkdtempSync(path.join(work, 'cfg-')),
    pa,
    freshTarget: async () => {
      const r = await startRegistry();
      const p = await startProxy(r.host);
      fresh.push(p, r);
      return p;
    },
  };
  const stopFresh = async () => {
    for (const f of fresh.splice(0)) await f.stop();
  };
  try {
    const pushed = await pushIndex(work, a.host);
    const index: Source = { repository: 'app', digest: pushed.digest };
    const big = await pushBigImage(work, a.host, 64);
    const memoryOnly = process.argv.includes('--memory-only');
    const results = [];
    if (!memoryOnly) {
      for (const s of scenarios(b, index, big)) {
        results.push(await runScenario(b, s));
        await stopFresh();
      }
    }
    const start = memoryOnly ? undefined : await startMs(b);
    const memory = await memoryBench(b, new Map([[64, big]]));
    const out = {
      what: 'promote by digest with the bundled action (and as a library call) vs skopeo copy --all --preserve-digests; min and median of interleaved runs, each a process of its own; same registries, same counting proxies',
      image: { digest: index.digest, platforms: 3, blobs: pushed.blobs, bytes: pushed.bytes },
      reps: REPS,
      node: (await run(findNode24(b.repoRoot), ['--version'])).stdout.trim(),
      startMs: start,
      results,
      memory,
      goals: goals(results, memory),
    };
    const file = arg('--out') ?? path.join(b.repoRoot, 'bench', 'results', 'promote-digest.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(out, null, 2) + '\n');
    console.log(JSON.stringify(out, null, 2));
  } finally {
    await stopFresh();
    await pa.stop();
    await a.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
