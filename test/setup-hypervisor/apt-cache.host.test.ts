import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDebName, pruneDebs } from '../../actions/setup-hypervisor/packages.js';
import { exec } from '../../shared/exec.js';
import { errors } from '../support/harness.js';
import { startCacheService, type CacheService } from './cache-service.js';
import { hostFacts, itUnless, run, runWithDeps, sudoFor, tmp } from './support.js';
import { requireTools } from '../support/tools.js';

requireTools('dpkg-query', 'apt-get');

// The one file that touches apt: a real install of QEMU and libvirt packages from Debian's
// archive, cold and then warm, with the Actions cache behind a local stand-in for the cache
// service (./cache-service.ts). The packages are already installed on the test machine, so
// the cold and warm runs are given `aptReinstall` (they run in this process, with their
// dependencies changed): apt downloads and reinstalls them and their install scripts run, as
// on a fresh runner. The other runs are the bundle's, with a HOME of their own for the .debs.
// That takes root, or passwordless sudo as on GitHub's runners.
const host = await hostFacts();
const sudo = host.notRoot ? await sudoFor('self') : undefined;
const noApt =
  host.notRoot && sudo?.kind !== 'passwordless'
    ? `needs root or passwordless sudo to install packages (sudo: ${sudo?.kind})`
    : undefined;
const PACKAGES = 'qemu-utils, libvirt-clients';

function configureCount(pkg: string): number {
  const log = existsSync('/var/log/dpkg.log') ? readFileSync('/var/log/dpkg.log', 'utf8') : '';
  return log.split('\n').filter((l) => new RegExp(` configure ${pkg}:`).test(l)).length;
}

describe('packages and the .deb cache', () => {
  let service: CacheService;
  const archives = path.join(tmp(), 'apt-archives');
  let savedKey = '';

  beforeAll(async () => {
    service = await startCacheService();
  });
  afterAll(async () => {
    await service.close();
  });

  const setup = () =>
    service.inProcessEnv(() =>
      runWithDeps(
        { aptArchives: archives, aptReinstall: true, udevRulesDir: path.join(tmp(), 'rules.d') },
        {
          workspace: tmp(),
          inputs: { packages: PACKAGES, cache: 'true', mode: 'emulation', verify: 'false' },
          env: service.env,
        },
      ),
    );

  itUnless(
    noApt,
    'cold: downloads the .debs, installs them and saves them to the cache',
    async () => {
      const configured = configureCount('qemu-utils');
      const r = await setup();
      expect(errors(r)).toEqual([]);
      expect(r.exitCode).toBe(0);
      expect(r.outputs['cache-hit']).toBe('false');
      expect(r.summary).toMatch(
        /\| packages \| qemu-utils libvirt-clients: [1-9]\d* \.deb downloaded/,
      );
      expect(r.summary).toMatch(
        /\| cache \| miss (virt-ci-apt-debian-12-amd64-[0-9a-f]{16}-[0-9a-f]{12}) \(saved as \1\) \|/,
      );
      expect(service.calls).toEqual(
        expect.arrayContaining([
          'GetCacheEntryDownloadURL',
          'CreateCacheEntry',
          'FinalizeCacheEntryUpload',
        ]),
      );
      const saved = [...service.entries.values()].filter((e) => e.finalized);
      expect(saved).toHaveLength(1);
      expect(saved[0].key).toMatch(/^virt-ci-apt-debian-12-amd64-[0-9a-f]{16}-[0-9a-f]{12}$/);
      savedKey = saved[0].key;
      expect(configureCount('qemu-utils')).toBeGreaterThan(configured);
    },
    600_000,
  );

  itUnless(
    noApt,
    'warm: a fresh archive directory is filled from the cache and nothing is downloaded',
    async () => {
      rmSync(archives, { recursive: true, force: true });
      const configured = configureCount('qemu-utils');
      service.calls.length = 0;
      const r = await setup();
      expect(errors(r)).toEqual([]);
      expect(r.exitCode).toBe(0);
      expect(r.outputs['cache-hit']).toBe('true');
      expect(r.summary).toMatch(
        /\| packages \| qemu-utils libvirt-clients: 0 \.deb downloaded \(0\.0 MiB\), [1-9]\d* in the archive/,
      );
      expect(service.calls).toContain('GET blob');
      // the same .debs: the entry it came from stays, nothing new is saved
      expect(service.calls).not.toContain('CreateCacheEntry');
      expect(r.summary).toContain(`| cache | hit ${savedKey} |`);
      // dpkg still configured the package: install scripts ran, from the cached .deb.
      expect(configureCount('qemu-utils')).toBeGreaterThan(configured);
    },
    600_000,
  );
});

describe('packages without the cache service', () => {
  itUnless(
    noApt,
    'cache: true in a job without a cache service installs and says why nothing was cached',
    async () => {
      const r = await run('setup-hypervisor', {
        workspace: tmp(),
        inputs: { packages: 'qemu-utils', cache: 'true', mode: 'emulation', verify: 'false' },
        env: { HOME: tmp() },
      });
      expect(errors(r)).toEqual([]);
      expect(r.outputs['cache-hit']).toBe('false');
      expect(r.summary).toMatch(
        /\| cache \| miss virt-ci-apt-\S+ \(no cache service in this job\) \|/,
      );
    },
    300_000,
  );

  itUnless(
    noApt,
    'a package apt cannot find: the lists are refreshed once, then one line names it',
    async () => {
      const r = await run('setup-hypervisor', {
        workspace: tmp(),
        inputs: { packages: 'virt-ci-no-such-package', mode: 'emulation', verify: 'false' },
        env: { HOME: tmp() },
        timeoutMs: 540_000,
      });
      expect(r.exitCode).toBe(1);
      expect(errors(r)).toEqual([
        'input "packages": apt-get install virt-ci-no-such-package failed (exit 100): E: Unable to locate package virt-ci-no-such-package',
      ]);
      // only apt-get update prints index lines here: the package itself was never found
      expect(r.stdout).toMatch(/^(Hit|Get):\d+ http/m);
    },
    600_000,
  );
});

describe('pruneDebs (real dpkg-query)', () => {
  it('drops .debs of versions that are not the installed ones and keeps the rest', async () => {
    const q = await exec('dpkg-query', ['-W', '-f=${Version} ${Architecture}', 'qemu-utils']);
    const [version, arch] = q.stdout.trim().split(' ');
    const current = `qemu-utils_${version.replace(/:/g, '%3a')}_${arch}.deb`;
    expect(parseDebName(current)).toEqual({ name: 'qemu-utils', version });
    const dir = tmp();
    for (const f of [current, `qemu-utils_0.0-1_${arch}.deb`, 'virt-ci-unknown_1.0_all.deb']) {
      writeFileSync(path.join(dir, f), 'x');
    }
    expect(await pruneDebs(dir)).toBe(1);
    expect(readdirSync(dir).sort()).toEqual([current, 'virt-ci-unknown_1.0_all.deb'].sort());
  });
});
