import { describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { choose, fixFor, nestedState } from '../../actions/setup-hypervisor/detect.js';
import type { DeviceProbe } from '../../actions/setup-hypervisor/probe.js';
import { tmp } from './support.js';

// Probe verdicts written out, so that every host sees a working KVM and MSHV here; the real
// probes' verdicts are chosen from in detect.host.test.ts.
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

  it('emulation needs no device', () => {
    expect(choose('emulation', 'none', {})).toEqual({
      hypervisor: 'emulation',
      accelerator: 'tcg',
      device: '',
    });
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
