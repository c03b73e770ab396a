import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cacheKey, contentKey } from '../../actions/setup-hypervisor/deb-cache.js';
import {
  expandPackages,
  libvirtSet,
  parseDebName,
  pruneDebs,
} from '../../actions/setup-hypervisor/packages.js';
import { exec } from '../../shared/exec.js';
import { errors, run } from '../support/harness.js';
import { startCacheService, type CacheService } from './cache-service.js';
import { tmp } from './support.js';

// The one file that touches apt: a real install of QEMU and libvirt packages from Debian's
// archive, cold and then warm, with the Actions cache behind a local stand-in for the cache
// service (./cache-service.ts). The packages are already installed on the test machine, so
// VIRT_CI_APT_REINSTALL makes apt download and reinstall them: their install scripts run,
// as on a fresh runner.
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
    rmSync(path.dirname(archives), { recursive: true, force: true });
  });

  const setup = () =>
    run('setup-hypervisor', {
      workspace: tmp(),
      inputs: { packages: PACKAGES, cache: 'true', mode: 'emulation', verify: 'false' },
      env: {
        ...service.env,
        VIRT_CI_APT_ARCHIVES: archives,
        VIRT_CI_APT_REINSTALL: 'true',
        VIRT_CI_UDEV_RULES_DIR: path.join(tmp(), 'rules.d'),
      },
      timeoutMs: 540_000,
    });

  it('cold: downloads the .debs, installs them and saves them to the cache', async () => {
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
  }, 600_000);

  it('warm: a fresh archive directory is filled from the cache and nothing is downloaded', async () => {
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
  }, 600_000);
});

describe('packages without the cache service', () => {
  it('cache: true in a job without a cache service installs and says why nothing was cached', async () => {
    const r = await run('setup-hypervisor', {
      workspace: tmp(),
      inputs: { packages: 'qemu-utils', cache: 'true', mode: 'emulation', verify: 'false' },
      env: {
        VIRT_CI_APT_ARCHIVES: path.join(tmp(), 'debs'),
        VIRT_CI_UDEV_RULES_DIR: path.join(tmp(), 'rules.d'),
      },
    });
    expect(errors(r)).toEqual([]);
    expect(r.outputs['cache-hit']).toBe('false');
    expect(r.summary).toMatch(
      /\| cache \| miss virt-ci-apt-\S+ \(no cache service in this job\) \|/,
    );
  }, 300_000);

  it('a package apt cannot find: the lists are refreshed once, then one line names it', async () => {
    const r = await run('setup-hypervisor', {
      workspace: tmp(),
      inputs: { packages: 'virt-ci-no-such-package', mode: 'emulation', verify: 'false' },
      env: {
        VIRT_CI_APT_ARCHIVES: path.join(tmp(), 'debs'),
        VIRT_CI_UDEV_RULES_DIR: path.join(tmp(), 'rules.d'),
      },
      timeoutMs: 540_000,
    });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      'input "packages": apt-get install virt-ci-no-such-package failed (exit 100): E: Unable to locate package virt-ci-no-such-package',
    ]);
    // only apt-get update prints index lines here: the package itself was never found
    expect(r.stdout).toMatch(/^(Hit|Get):\d+ http/m);
  }, 600_000);
});

describe('package names and cache keys', () => {
  it('expands the word libvirt for the architecture and keeps names once', () => {
    expect(expandPackages(['libvirt', 'qemu-utils', 'ovmf'], 'amd64')).toEqual([
      'qemu-system-x86',
      'qemu-utils',
      'libvirt-daemon-system',
      'libvirt-clients',
      'ovmf',
    ]);
    expect(libvirtSet('arm64')[0]).toBe('qemu-system-arm');
    expect(expandPackages(['qemu-utils:amd64', 'libvirt0=9.0.0-4'], 'amd64')).toEqual([
      'qemu-utils:amd64',
      'libvirt0=9.0.0-4',
    ]);
  });

  it('refuses what apt would read as an option or a pattern', () => {
    for (const bad of ['-o', '--reinstall', 'qemu*', 'a b', 'Qemu']) {
      expect(() => expandPackages([bad], 'amd64')).toThrow(
        /^input "packages": .* is not a Debian package name/,
      );
    }
  });

  it('keys the cache by package set, OS release and architecture', () => {
    const os = { id: 'ubuntu', versionId: '24.04' };
    const a = cacheKey(['qemu-utils', 'libvirt-clients'], os, 'amd64');
    expect(a).toMatch(/^virt-ci-apt-ubuntu-24\.04-amd64-[0-9a-f]{16}$/);
    expect(cacheKey(['libvirt-clients', 'qemu-utils'], os, 'amd64')).toBe(a);
    expect(cacheKey(['qemu-utils'], os, 'amd64')).not.toBe(a);
    expect(
      cacheKey(['qemu-utils', 'libvirt-clients'], { ...os, versionId: '22.04' }, 'amd64'),
    ).not.toBe(a);
    expect(cacheKey(['qemu-utils', 'libvirt-clients'], os, 'arm64')).not.toBe(a);
  });

  it('gives a new content key when the .debs change, and the same one for the same files', () => {
    const base = 'virt-ci-apt-debian-12-amd64-0123456789abcdef';
    const a = contentKey(base, ['b_1_all.deb', 'a_1_all.deb']);
    expect(a).toMatch(/^virt-ci-apt-debian-12-amd64-0123456789abcdef-[0-9a-f]{12}$/);
    expect(contentKey(base, ['a_1_all.deb', 'b_1_all.deb'])).toBe(a);
    expect(contentKey(base, ['a_1_all.deb', 'b_2_all.deb'])).not.toBe(a);
  });
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
