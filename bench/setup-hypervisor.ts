/**
 * setup-hypervisor's heavy path: installing QEMU and libvirt. Each round, in the same run:
 *
 *   baseline   plain `apt-get install --reinstall` into an empty .deb directory (what a
 *              workflow's `sudo apt-get install` costs: download + install scripts)
 *   cold       the action with `cache: true` and an empty cache, as on a fresh runner:
 *              download, install, save
 *   warm       the action with the entry cold saved, on an empty .deb directory, as on a
 *              fresh runner: restore, install from the cached .debs, no download
 *   installed  the same warm run on a machine that has the packages (a self-hosted runner, a
 *              second setup in one job): restore, then nothing for apt to do
 *   apt no-op  `apt-get install` of the installed packages, what the installed run would
 *              cost if it handed them to apt anyway
 *   download   `apt-get install --download-only` alone, the part the cache replaces, against
 *              the warm run's cache restore
 *
 * The Actions cache is a local stand-in for the cache service (test/setup-hypervisor/
 * cache-service.ts); packages come from the Debian archive for real. The action runs in this
 * process (test/support/in-process.ts), as the runner would run it but with a .deb folder of
 * the bench's own and, for cold and warm, `aptReinstall`: the machine already has the
 * packages, and a fresh runner has none. Its times are
 * the step's work, without starting a Node process for the bundle (well under a second, next
 * to minutes of apt). Writes bench/results/setup-hypervisor.json and prints it.
 *
 *   npm run bench:setup-hypervisor [-- --rounds 2] [-- --packages libvirt]
 */
import { spawnSync } from 'node:child_process';
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

const rounds = Number(arg('rounds', '5'));
const packages = arg('packages', 'libvirt');
const repoRoot = findRepoRoot();
const why = cannotRun();
if (why) {
  console.error(`bench:setup-hypervisor cannot run here: ${why}`);
  process.exit(3);
}
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

/** `apt-get install` of packages that are installed: apt reads its lists and finds nothing to do. */
async function aptNoop(): Promise<number> {
  const names = expandPackages(packages.split(','), await dpkgArchitecture());
  const t = performance.now();
  await exec('apt-get', ['install', '-y', '--no-install-recommends', '--', ...names], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  return performance.now() - t;
}

/** Why this machine cannot run the benchmark: it installs packages for real. */
function cannotRun(): string | undefined {
  for (const tool of ['apt-get', 'dpkg-query']) {
    if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).error)
      return `${tool} is not installed`;
  }
  if (process.getuid?.() !== 0) {
    return 'it runs apt-get and dpkg itself, so it must run as root';
  }
  return undefined;
}

async function action(archives: string, service: CacheService, reinstall = true) {
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
        aptReinstall: reinstall,
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
    alreadyInstalled: installed.alreadyInstalled,
    phasesMs: installed.ms,
  };
}

const figures = {
  baseline: [] as number[],
  cold: [] as number[],
  warm: [] as number[],
  installed: [] as number[],
  aptNoop: [] as number[],
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
      rmSync(archives, { recursive: true, force: true });
      const installed = await action(archives, service, false);
      if (cold.cacheHit || !warm.cacheHit || !installed.cacheHit) {
        throw new Error(`round ${round}: expected a cold miss and two warm hits`);
      }
      const names = expandPackages(packages.split(','), await dpkgArchitecture());
      if (installed.alreadyInstalled.length !== names.length) {
        throw new Error(
          `round ${round}: the installed run skipped ${installed.alreadyInstalled.join(' ') || 'nothing'} of ${names.join(' ')}`,
        );
      }
      figures.aptNoop.push(await aptNoop());
      for (let i = 0; i < 3; i++) {
        figures.download.push(await downloadOnly(path.join(base, `download-${round}-${i}`)));
      }
      figures.restore.push(warm.phasesMs.restore);
      figures.baseline.push(b.ms);
      figures.cold.push(cold.ms);
      figures.warm.push(warm.ms);
      figures.installed.push(installed.ms);
      detail.push({ round, baselineMiB: mib(b.bytes), cold, warm, installed });
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
  installed: median(figures.installed),
  aptNoop: median(figures.aptNoop),
  download: median(figures.download),
  restore: median(figures.restore),
};
const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
const goal = (what: string, value: number, most: number) => ({
  what,
  value,
  goal: `<= ${most}x`,
  met: value <= most,
});
const result = {
  benchmark: 'setup-hypervisor: apt install of QEMU/libvirt, cold vs warm .deb cache',
  packages,
  rounds,
  machine: { cpus: os.cpus().length, node: process.version },
  medianMs: {
    baselineAptGet: Math.round(m.baseline),
    actionCold: Math.round(m.cold),
    actionWarm: Math.round(m.warm),
    actionWarmInstalled: Math.round(m.installed),
    aptInstallInstalled: Math.round(m.aptNoop),
    aptDownloadOnly: Math.round(m.download),
    cacheRestore: Math.round(m.restore),
  },
  ratios: {
    warmOverCold: ratio(m.warm, m.cold),
    warmOverBaseline: ratio(m.warm, m.baseline),
    coldOverBaseline: ratio(m.cold, m.baseline),
    warmInstalledOverCold: ratio(m.installed, m.cold),
    warmInstalledOverAptNoop: ratio(m.installed, m.aptNoop),
    // The part the cache replaces, without dpkg's install scripts (which run either way and
    // dominate the totals on a busy 2-core machine).
    cacheRestoreOverAptDownload: ratio(m.restore, m.download),
  },
  note: 'on a fresh runner (cold, warm) dpkg installs either way and its install scripts dominate the totals on a fast mirror: the cache saves the download (cacheRestoreOverAptDownload, the MiB downloaded). A warm run on a machine that has the packages at the cached versions skips apt (warmInstalled).',
  goals: [
    goal(
      'setup-hypervisor: warm run, packages already installed ÷ cold run',
      ratio(m.installed, m.cold),
      0.5,
    ),
    goal(
      'setup-hypervisor: warm run on a fresh runner (dpkg installs the cached .debs) ÷ cold run',
      ratio(m.warm, m.cold),
      1,
    ),
    goal(
      'setup-hypervisor: cache restore ÷ apt download of the same .debs',
      ratio(m.restore, m.download),
      0.5,
    ),
  ],
  rounds_detail: detail,
};
const out = path.join(repoRoot, 'bench', 'results', 'setup-hypervisor.json');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
console.log(JSON.stringify(result, null, 2));
