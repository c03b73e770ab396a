import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { cacheKey } from '../../actions/setup-hypervisor/deb-cache.js';
import { expandPackages, libvirtSet } from '../../actions/setup-hypervisor/packages.js';
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
      /\| cache \| miss virt-ci-apt-debian-12-amd64-[0-9a-f]{16} \(saved as /,
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
    expect(saved[0].key).toMatch(/^virt-ci-apt-debian-12-amd64-/);
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
    expect(service.calls).not.toContain('CreateCacheEntry');
    // dpkg still configured the package: install scripts ran, from the cached .deb.
    expect(configureCount('qemu-utils')).toBeGreaterThan(configured);
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
});
