import { describe, expect, it } from '@jest/globals';
import { cacheKey, contentKey } from '../../actions/setup-hypervisor/deb-cache.js';
import {
  alreadyInstalled,
  expandPackages,
  libvirtSet,
  parseInstalled,
  type InstalledPackage,
} from '../../actions/setup-hypervisor/packages.js';

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

describe('packages already installed', () => {
  const dpkg = (lines: string[]) => parseInstalled(lines.map((l) => `${l}\n`).join(''));
  const installed: InstalledPackage[] = dpkg([
    'qemu-utils\tamd64\tii \t1:7.2+dfsg-7+deb12u18',
    'libvirt-clients\tamd64\tii \t9.0.0-4+deb12u2',
    'ovmf\tall\tii \t2022.11-6+deb12u2',
    'libfoo\ti386\tii \t1.0-1',
    'half-done\tamd64\tiU \t1.0-1',
    'removed\tamd64\trc \t1.0-1',
    'needs-reinstall\tamd64\tiiR\t1.0-1',
  ]);
  const debs = [
    'qemu-utils_1%3a7.2+dfsg-7+deb12u18_amd64.deb',
    'libvirt-clients_9.0.0-4+deb12u3_amd64.deb',
    'ovmf_2022.11-6+deb12u2_all.deb',
    'libfoo_1.0-1_i386.deb',
    'half-done_1.0-1_amd64.deb',
    'removed_1.0-1_amd64.deb',
    'needs-reinstall_1.0-1_amd64.deb',
  ];

  it('reads dpkg-query lines and ignores what is not one', () => {
    expect(parseInstalled('a\tamd64\tii \t1.0\n\ngarbage\n')).toEqual([
      { name: 'a', arch: 'amd64', status: 'ii ', version: '1.0' },
    ]);
  });

  it('skips a package installed at the version of its .deb in the archive', () => {
    expect(alreadyInstalled(['qemu-utils', 'ovmf'], 'amd64', installed, debs)).toEqual([
      'qemu-utils',
      'ovmf',
    ]);
  });

  it('leaves to apt a package whose .deb is another version, or that has no .deb', () => {
    // the cache moved on (a security update): apt installs the cached version
    expect(alreadyInstalled(['libvirt-clients'], 'amd64', installed, debs)).toEqual([]);
    // no .deb and no pin: apt knows whether its lists hold a newer version
    expect(alreadyInstalled(['qemu-utils'], 'amd64', installed, [])).toEqual([]);
  });

  it('skips a pinned package only at the pinned version', () => {
    expect(alreadyInstalled(['qemu-utils=1:7.2+dfsg-7+deb12u18'], 'amd64', installed, [])).toEqual([
      'qemu-utils=1:7.2+dfsg-7+deb12u18',
    ]);
    expect(
      alreadyInstalled(['qemu-utils=1:7.2+dfsg-7+deb12u19'], 'amd64', installed, debs),
    ).toEqual([]);
  });

  it('matches the architecture asked for, or the native one', () => {
    expect(alreadyInstalled(['libfoo'], 'amd64', installed, debs)).toEqual([]);
    expect(alreadyInstalled(['libfoo:i386'], 'amd64', installed, debs)).toEqual(['libfoo:i386']);
    expect(alreadyInstalled(['qemu-utils:amd64'], 'amd64', installed, debs)).toEqual([
      'qemu-utils:amd64',
    ]);
    expect(alreadyInstalled(['qemu-utils:arm64'], 'amd64', installed, debs)).toEqual([]);
  });

  it('does not count a package that is half installed, removed or marked for reinstall', () => {
    expect(
      alreadyInstalled(
        ['half-done', 'removed', 'needs-reinstall', 'unknown'],
        'amd64',
        installed,
        debs,
      ),
    ).toEqual([]);
  });
});
