/**
 * promote-digest's heavy path side by side with `skopeo copy --all --preserve-digests` doing
 * the same work in the same run, against real docker-registry instances on loopback. Both
 * tools go through the same counting proxy, so HTTP requests and uploaded bytes compare like
 * with like. Writes bench/results/promote-digest.json.
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
import { findRepoRoot, runWorkflowStep } from '../shared/harness/runner.js';
import {
  tagLayout,
  writeBlob,
  writeImage,
  writeIndex,
} from '../test/promote-digest/support/images.js';
import { type Proxy, startProxy } from '../test/promote-digest/support/proxy.js';
import { run, skopeoPush, startRegistry } from '../test/promote-digest/support/registry.js';

const REPS = 5;
const MB = 1024 * 1024;

interface Figures {
  ms: number;
  requests: number;
  bytesUploaded: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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
  digest: string;
}

interface Scenario {
  name: string;
  target: (tool: string, i: number) => Promise<{ ref: string; proxies: Proxy[] }>;
}

/** A 3-platform index sharing one base layer, pushed to the source registry. */
async function pushImage(work: string, host: string) {
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
  return { index, totalBytes: 8 * MB + 3 * (6 * MB + 64 * 1024) };
}

function scenarios(pa: Proxy, freshTarget: () => Promise<Proxy>): Scenario[] {
  return [
    {
      name: 'same-repo retag',
      target: async (tool, i) => ({ ref: `${pa.host}/app:${tool}-${i}`, proxies: [pa] }),
    },
    {
      name: 'cross-repo (mount)',
      target: async (tool, i) => ({ ref: `${pa.host}/${tool}-${i}/app:t`, proxies: [pa] }),
    },
    {
      name: 'cross-registry',
      target: async (tool) => {
        const p = await freshTarget();
        return { ref: `${p.host}/${tool}/app:t`, proxies: [pa, p] };
      },
    },
  ];
}

/** The shipped bundle in its own process, as the runner starts it (skopeo is one too). */
async function runBundle(b: Bench, ref: string): Promise<void> {
  const r = await runWorkflowStep({
    repoRoot: b.repoRoot,
    action: 'promote-digest',
    workspace: b.work,
    inputs: { source: `${b.pa.host}/app@${b.digest}`, targets: ref },
    env: { DOCKER_CONFIG: b.noDockerConfig },
  });
  if (r.exitCode !== 0) throw new Error(r.stdout + r.stderr);
  if (r.outputs.digest !== b.digest) throw new Error('digest changed');
}

/** The same work as a library call: no process start, but it shares the proxies' event loop. */
async function runLibrary(b: Bench, ref: string): Promise<void> {
  const r = await promote(
    {
      source: `${b.pa.host}/app@${b.digest}`,
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
  if (r.digest !== b.digest) throw new Error('digest changed');
}

async function runSkopeo(b: Bench, ref: string): Promise<void> {
  await run('skopeo', [
    'copy',
    '--all',
    '--preserve-digests',
    '--src-tls-verify=false',
    '--dest-tls-verify=false',
    '--quiet',
    `docker://${b.pa.host}/app@${b.digest}`,
    `docker://${ref}`,
  ]);
}

const pick = (xs: Figures[]): Figures => ({
  ms: median(xs.map((x) => x.ms)),
  requests: median(xs.map((x) => x.requests)),
  bytesUploaded: median(xs.map((x) => x.bytesUploaded)),
});

async function runScenario(b: Bench, s: Scenario) {
  const ours: Figures[] = [];
  const library: Figures[] = [];
  const theirs: Figures[] = [];
  for (let i = 0; i < REPS; i++) {
    const o = await s.target('vc', i);
    ours.push(await measure(o.proxies, () => runBundle(b, o.ref)));
    const l = await s.target('lib', i);
    library.push(await measure(l.proxies, () => runLibrary(b, l.ref)));
    const t = await s.target('sk', i);
    theirs.push(await measure(t.proxies, () => runSkopeo(b, t.ref)));
  }
  const o = pick(ours);
  const lib = pick(library);
  const t = pick(theirs);
  return {
    scenario: s.name,
    promoteDigestBundle: o,
    promoteDigestLibrary: lib,
    skopeo: t,
    ratios: {
      timeSkopeoOverBundle: +(t.ms / Math.max(1, o.ms)).toFixed(2),
      timeSkopeoOverLibrary: +(t.ms / Math.max(1, lib.ms)).toFixed(2),
      requestsSkopeoOverOurs: +(t.requests / Math.max(1, o.requests)).toFixed(2),
      bytesOursOverSkopeo: t.bytesUploaded ? +(o.bytesUploaded / t.bytesUploaded).toFixed(3) : null,
    },
  };
}

/** What the bundle costs before any request: start, read inputs, fail on a missing source. */
async function bundleStartMs(b: Bench): Promise<number> {
  const starts: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const t0 = performance.now();
    await runWorkflowStep({
      repoRoot: b.repoRoot,
      action: 'promote-digest',
      workspace: b.work,
      inputs: {},
    });
    starts.push(Math.round(performance.now() - t0));
  }
  return median(starts);
}

const MEMORY_SIZES_MIB = [4, 64, 256, 1024];
const MEMORY_REPS = 3;

/** A one-layer image whose layer is `mib` MiB of random bytes, written without holding it. */
function writeBigImage(layout: string, mib: number, tag: string): void {
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
  tagLayout(layout, tag, manifest);
}

/** Peak resident memory (MiB) of one process: a preload writes it when the process exits. */
function rssPreload(work: string): { env: (file: string) => Record<string, string> } {
  const preload = path.join(work, 'max-rss.mjs');
  writeFileSync(
    preload,
    "import { writeFileSync } from 'node:fs';\nprocess.on('exit', () => writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));\n",
  );
  return { env: (file) => ({ NODE_OPTIONS: `--import=${preload}`, BENCH_RSS_FILE: file }) };
}

const rssMiB = (file: string) => Math.round(Number(readFileSync(file, 'utf8')) / 1024);

/**
 * Peak memory across registries by layer size, the bundle beside skopeo: each run a process
 * of its own into a fresh registry, interleaved. Goal (issue #17): the peak with the largest
 * layer within 32 MiB of the peak with the smallest.
 */
async function memoryBench(b: Bench) {
  const rss = rssPreload(b.work);
  const rows = [];
  for (const mib of MEMORY_SIZES_MIB) {
    const layout = path.join(b.work, `big-${mib}`);
    writeBigImage(layout, mib, 'v1');
    await skopeoPush(layout, 'v1', `${b.pa.host}/big${mib}:v1`);
    rmSync(layout, { recursive: true, force: true });
    const ours: number[] = [];
    const theirs: number[] = [];
    const oursMs: number[] = [];
    const theirsMs: number[] = [];
    for (let i = 0; i < MEMORY_REPS; i++) {
      for (const tool of ['vc', 'sk']) {
        const target = await startRegistry();
        try {
          const ref = `${target.host}/big:t`;
          const t0 = performance.now();
          if (tool === 'vc') {
            const file = path.join(b.work, `rss-${mib}-${i}`);
            const r = await runWorkflowStep({
              repoRoot: b.repoRoot,
              action: 'promote-digest',
              workspace: b.work,
              inputs: { source: `${b.pa.host}/big${mib}:v1`, targets: ref },
              env: { DOCKER_CONFIG: b.noDockerConfig, ...rss.env(file) },
              timeoutMs: 600_000,
            });
            if (r.exitCode !== 0) throw new Error(r.stdout + r.stderr);
            oursMs.push(Math.round(performance.now() - t0));
            ours.push(rssMiB(file));
          } else {
            const { stderr } = await run('/usr/bin/time', [
              '-f',
              '%M',
              'skopeo',
              'copy',
              '--all',
              '--preserve-digests',
              '--src-tls-verify=false',
              '--dest-tls-verify=false',
              '--quiet',
              `docker://${b.pa.host}/big${mib}:v1`,
              `docker://${ref}`,
            ]);
            theirsMs.push(Math.round(performance.now() - t0));
            theirs.push(Math.round(Number(stderr.trim().split('\n').pop()) / 1024));
          }
        } finally {
          await target.stop();
        }
      }
    }
    rows.push({
      layerMiB: mib,
      promoteDigestPeakMiB: { min: Math.min(...ours), median: median(ours) },
      skopeoPeakMiB: { min: Math.min(...theirs), median: median(theirs) },
      promoteDigestMs: { min: Math.min(...oursMs), median: median(oursMs) },
      skopeoMs: { min: Math.min(...theirsMs), median: median(theirsMs) },
    });
  }
  const first = rows[0].promoteDigestPeakMiB.median;
  const last = rows[rows.length - 1].promoteDigestPeakMiB.median;
  return {
    what: 'peak RSS of one promotion of a one-layer image across registries, by layer size; median and min of runs',
    reps: MEMORY_REPS,
    rows,
    growthMiB: last - first,
    goal: 'growth from the smallest to the largest layer at most 32 MiB',
    met: last - first <= 32,
  };
}

async function main(): Promise<void> {
  const a = await startRegistry();
  const pa = await startProxy(a.host);
  const work = mkdtempSync(path.join(os.tmpdir(), 'pd-bench-'));
  const { index, totalBytes } = await pushImage(work, a.host);
  const b: Bench = {
    repoRoot: findRepoRoot(),
    work,
    noDockerConfig: mkdtempSync(path.join(os.tmpdir(), 'pd-bench-cfg-')),
    pa,
    digest: index.digest,
  };
  // Cross-registry targets are fresh registries per run and per tool: skopeo keeps a blob
  // location cache between runs and would otherwise mount what an earlier run uploaded.
  const fresh: Array<{ stop(): Promise<void> }> = [];
  const freshTarget = async (): Promise<Proxy> => {
    const r = await startRegistry();
    const p = await startProxy(r.host);
    fresh.push(p, r);
    return p;
  };
  const only = process.argv.includes('--memory-only');
  const results = [];
  if (!only) for (const s of scenarios(pa, freshTarget)) results.push(await runScenario(b, s));
  const startMs = only ? undefined : await bundleStartMs(b);
  const memory = await memoryBench(b);
  for (const f of fresh) await f.stop();
  await pa.stop();
  await a.stop();
  rmSync(work, { recursive: true, force: true });
  const out = {
    what: 'promote one 3-platform image index by digest with the bundled action vs skopeo copy --all --preserve-digests; median of runs; each a process of its own; same registries, same counting proxy',
    image: { digest: index.digest, platforms: 3, blobs: 1 + 3 * 4, bytes: totalBytes },
    reps: REPS,
    bundleStartMs: startMs,
    node: process.version,
    results,
    memory,
  };
  mkdirSync(path.join('bench', 'results'), { recursive: true });
  writeFileSync(
    path.join('bench', 'results', 'promote-digest.json'),
    JSON.stringify(out, null, 2) + '\n',
  );
  console.log(JSON.stringify(out, null, 2));
}

await main();
