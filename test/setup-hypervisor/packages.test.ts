import { describe, expect, it } from '@jest/globals';
import { cacheKey, contentKey } from '../../actions/setup-hypervisor/deb-cache.js';
import { expandPackages, libvirtSet } from '../../actions/setup-hypervisor/packages.js';

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
