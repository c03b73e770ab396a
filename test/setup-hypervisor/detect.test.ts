import { describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../shared/errors.js';
import { choose, fixFor, nestedState } from '../../actions/setup-hypervisor/detect.js';
import { probeDevice, type DeviceProbe } from '../../actions/setup-hypervisor/probe.js';
import { mknod, tmp } from './support.js';

// A working device cannot be had on this machine; its probe verdict is written out instead.
const workingKvm: DeviceProbe = { kind: 'kvm', device: '/dev/kvm', usable: true, apiVersion: 12 };
const workingMshv: DeviceProbe = { kind: 'mshv', device: '/dev/mshv', usable: true };

describe('choose', () => {
  it('auto prefers mshv, then kvm', () => {
    expect(choose('auto', 'none', { mshv: workingMshv, kvm: workingKvm })).toEqual({
      hypervisor: 'mshv',
      accelerator: 'mshv',
      device: '/dev/mshv',
    });
    expect(choose('auto', 'none', { kvm: workingKvm })).toEqual({
      hypervisor: 'kvm',
      accelerator: 'kvm',
      device: '/dev/kvm',
    });
  });

  it('auto falls back to emulation with every device and its error (real probes)', async () => {
    const mshv = await probeDevice('mshv', '/dev/null');
    const kvm = await probeDevice('kvm', path.join(tmp(), 'kvm'));
    const c = choose('auto', 'none', { mshv, kvm });
    expect(c).toMatchObject({ hypervisor: 'emulation', accelerator: 'tcg', device: '' });
    expect(c.fellBack).toMatch(
      /^\/dev\/null refused to create a partition: ENOTTY .*; .*kvm cannot be opened read-write: ENOENT/,
    );
  });

  it('an explicit kvm that cannot be had fails with the device, the error and the fix', async () => {
    const device = path.join(tmp(), 'kvm');
    const kvm = await probeDevice('kvm', device);
    expect(() => choose('kvm', 'none', { kvm })).toThrow(UserError);
    expect(() => choose('kvm', 'none', { kvm })).toThrow(
      `input "mode": kvm is not available: ${device} cannot be opened read-write: ENOENT (the device node does not exist); fix: run on a runner with hardware virtualization`,
    );
  });

  it('an explicit mshv falls back to emulation when fallback is emulation', async () => {
    const mshv = await probeDevice('mshv', '/dev/null');
    expect(choose('mshv', 'emulation', { mshv })).toMatchObject({
      hypervisor: 'emulation',
      fellBack: expect.stringMatching(/^\/dev\/null refused to create a partition: ENOTTY/),
    });
  });

  it('emulation needs no device', () => {
    expect(choose('emulation', 'none', {})).toEqual({
      hypervisor: 'emulation',
      accelerator: 'tcg',
      device: '',
    });
  });

  it('never picks a device whose probe failed, even in explicit mode', async () => {
    const node = mknod(path.join(tmp(), 'kvm'), 10, 232, '0666');
    const kvm = await probeDevice('kvm', node);
    if (kvm.usable) return expect(choose('kvm', 'none', { kvm }).hypervisor).toBe('kvm');
    expect(() => choose('kvm', 'none', { kvm })).toThrow(
      /ENODEV .*fix: the device node exists but no KVM driver answers/,
    );
  });
});

describe('fixFor', () => {
  it('names the fix by the way the device failed', () => {
    const p = (code: string, kind: 'kvm' | 'mshv' = 'kvm'): DeviceProbe => ({
      kind,
      device: `/dev/${kind}`,
      usable: false,
      code,
    });
    expect(fixFor(p('EACCES'))).toMatch(/device-access: true/);
    expect(fixFor(p('ENOTTY'))).toBe(
      'fix: kvm-device must name the KVM character device (default /dev/kvm);',
    );
    expect(fixFor(p('ENOENT', 'mshv'))).toMatch(/mshv_root driver/);
    expect(fixFor(p('ENODEV'))).toMatch(/load the kvm_intel or kvm_amd module/);
  });
});

describe('nestedState', () => {
  const sys = (files: Record<string, string>) => {
    const dir = tmp();
    for (const [mod, value] of Object.entries(files)) {
      mkdirSync(path.join(dir, mod, 'parameters'), { recursive: true });
      writeFileSync(path.join(dir, mod, 'parameters', 'nested'), value);
    }
    return dir;
  };

  it('reads kvm_intel and kvm_amd the way the kernel writes them', () => {
    expect(nestedState(sys({ kvm_intel: 'Y\n' }))).toBe('true');
    expect(nestedState(sys({ kvm_intel: 'N\n' }))).toBe('false');
    expect(nestedState(sys({ kvm_amd: '1\n' }))).toBe('true');
    expect(nestedState(sys({ kvm_amd: '0\n' }))).toBe('false');
  });

  it('says unknown where the kernel does not say', () => {
    expect(nestedState(sys({}))).toBe('unknown');
    expect(nestedState(path.join(tmp(), 'none'))).toBe('unknown');
  });
});
