/**
 * setup-hypervisor's heavy path: installing QEMU and libvirt. Three ways, in the same run:
 *
 *   baseline  plain `apt-get install --reinstall` into an empty .deb directory (what a
 *             workflow's `sudo apt-get install` costs: download + install scripts)
 *   cold      the action with `cache: true` and an empty cache: download, install, save
 *   warm      the action with the entry cold saved, on an empty .deb directory: restore,
 *             install from the cached .debs, no download
 *   download  `apt-get install --download-only` alone, the part the cache replaces, against
 *             the warm run's cache restore
 *
 * The Actions cache is a local stand-in for the cache service (test/setup-hypervisor/
 * cache-service.ts); packages come from the Debian archive for real. The action runs in this
 * process (test/support/in-process.ts), as the runner would run it but with `aptReinstall`
 * and a .deb folder of the bench's own: the machine already has the packages. Its times are
 * the step's work, without starting a Node process for the bundle (well under a second, next
 * to minutes of apt). Writes bench/results/setup-hypervisor.json and prints it.
 *
 *   npm run bench:setup-hypervisor [-- --rounds 2] [-- --packages libvirt]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { action as setupHypervisor } from '../actions/setup-hypervisor/action.js';
import {
  debFiles,
  dpkgArchitecture,
  expandPackages,
} from '../actions/setup-hypervisor/packages.js';
import type { Result } from '../actions/setup-hypervisor/types.js';
import { exec } from '../shared/exec.js';
import { findRepoRoot } from '../shared/harness/runner.js';
import { startCacheService, type CacheService } from '../test/setup-hypervisor/cache-service.js';
import { runInProcess } from '../test/support/in-process.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const rounds = Number(arg('rounds', '1'));
const packages = arg('packages', 'libvirt');
const repoRoot = findRepoRoot();
const base = mkdtempSync(path.join(os.tmpdir(), 'virt-ci-bench-shv-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (n: number) => Math.round((n / 1048576) * 10) / 10;

async function baseline(dir: string): Promise<{ ms: number; bytes: number }> {
  const names = expandPackages(packages.split(','), await dpkgArchitecture());
  mkdirSync(path.join(dir, 'partial'), { recursive: true });
  const t = performance.now();
  await exec(
    'apt-get',
    [
      'install',
      '-y',
      '--reinstall',
      '--no-install-recommends',
      '-o',
      `Dir::Cache::Archives=${dir}`,
      '-o',
      'DPkg::Lock::Timeout=300',
      '--',
      ...names,
    ],
    { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
  );
  const ms = performance.now() - t;
  return { ms, bytes: [...debFiles(dir).values()].reduce((a, b) => a + b, 0) };
}

/** The part of a cold install the cache replaces: apt fetching the .debs, nothing else. */
async function downloadOnly(dir: string): Promise<number> {
  const names = expandPackages(packages.split(','), await dpkgArchitecture());
  mkdirSync(path.join(dir, 'partial'), { recursive: true });
  const t = performance.now();
  await exec('apt-get', [
    'install',
    '-y',
    '--reinstall',
    '--download-only',
    '--no-install-recommends',
    '-o',
    `Dir::Cache::Archives=${dir}`,
    '--',
    ...names,
  ]);
  return performance.now() - t;
}

async function action(archives: string, service: CacheService) {
  // The typed result says what the summary says, without reading it back from the markdown.
  let result: Result | undefined;
  const def = {
    ...setupHypervisor,
    run: async (...args: Parameters<typeof setupHypervisor.run>) => {
      const outcome = await setupHypervisor.run(...args);
      result = outcome.result;
      return outcome;
    },
  };
  const t = performance.now();
  const r = await service.inProcessEnv(() =>
    runInProcess(
      'setup-hypervisor',
      def,
      (real) => ({
        ...real,
        aptArchives: archives,
        aptReinstall: true,
        udevRulesDir: path.join(base, 'rules.d'),
      }),
      {
        workspace: path.join(base, 'workspace'),
        inputs: { packages, cache: 'true', mode: 'emulation', verify: 'false' },
        env: service.env,
      },
    ),
  );
  const ms = performance.now() - t;
  const installed = result?.packages;
  if (r.exitCode !== 0 || !installed) {
    throw new Error(`setup-hypervisor failed: ${r.annotations.map((a) => a.message).join('; ')}`);
  }
  return {
    ms: Math.round(ms),
    cacheHit: r.outputs['cache-hit'] === 'true',
    debsDownloaded: installed.downloaded,
    mibDownloaded: mib(installed.downloadedBytes),
    phasesMs: installed.ms,
  };
}

const figures = {
  baseline: [] as number[],
  cold: [] as number[],
  warm: [] as number[],
  download: [] as number[],
  restore: [] as number[],
};
const detail: unknown[] = [];
try {
  for (let round = 0; round < rounds; round++) {
    const service = await startCacheService();
    try {
      const b = await baseline(path.join(base, `baseline-${round}`));
      const archives = path.join(base, `archives-${round}`);
      const cold = await action(archives, service);
      rmSync(archives, { recursive: true, force: true });
      const warm = await action(archives, service);
      if (cold.cacheHit || !warm.cacheHit) {
        throw new Error(`round ${round}: expected a cold miss and a warm hit`);
      }
      for (let i = 0; i < 3; i++) {
        figures.download.push(await downloadOnly(path.join(base, `download-${round}-${i}`)));
      }
      figures.restore.push(warm.phasesMs.restore);
      figures.baseline.push(b.ms);
      figures.cold.push(cold.ms);
      figures.warm.push(warm.ms);
      detail.push({ round, baselineMiB: mib(b.bytes), cold, warm });
    } finally {
      await service.close();
    }
  }
} finally {
  rmSync(base, { recursive: true, force: true });
}

const m = {
  baseline: median(figures.baseline),
  cold: median(figures.cold),
  warm: median(figures.warm),
  download: median(figures.download),
  restore: median(figures.restore),
};
const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
const result = {
  benchmark: 'setup-hypervisor: apt install of QEMU/libvirt, cold vs warm .deb cache',
  packages,
  rounds,
  machine: { cpus: os.cpus().length, node: process.version },
  medianMs: {
    baselineAptGet: Math.round(m.baseline),
    actionCold: Math.round(m.cold),
    actionWarm: Math.round(m.warm),
    aptDownloadOnly: Math.round(m.download),
    cacheRestore: Math.round(m.restore),
  },
  ratios: {
    warmOverCold: ratio(m.warm, m.cold),
    warmOverBaseline: ratio(m.warm, m.baseline),
    coldOverBaseline: ratio(m.cold, m.baseline),
    // The part the cache replaces, without dpkg's install scripts (which run either way and
    // dominate the totals on a busy 2-core machine).
    cacheRestoreOverAptDownload: ratio(m.restore, m.download),
  },
  note: 'install scripts (dpkg) run on cold and warm alike; on a fast mirror the totals are dominated by them, so compare cacheRestoreOverAptDownload and the MiB downloaded',
  rounds_detail: detail,
};
const out = path.join(repoRoot, 'bench', 'results', 'setup-hypervisor.json');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
