import { describe, expect, it } from '@jest/globals';
import os from 'node:os';
import { parseProbe } from '../../actions/setup-hypervisor/probe.js';

// The probe's answers written out: the real probe runs in probe.host.test.ts.
describe('parseProbe', () => {
  it('accepts only KVM API version 12', () => {
    const p = parseProbe('kvm', '/dev/kvm', 'open\t0\napi\t0\t11\n');
    expect(p).toMatchObject({ usable: false, failedStep: 'api', apiVersion: 11 });
    expect(p.error).toBe('answers KVM API version 11, expected 12');
  });

  it('calls a device usable only when the VM was created', () => {
    expect(parseProbe('kvm', '/dev/kvm', 'open\t0\napi\t0\t12\n')).toMatchObject({
      usable: false,
      failedStep: 'run',
    });
    expect(parseProbe('kvm', '/dev/kvm', 'open\t0\napi\t0\t12\ncreate\t0\n')).toMatchObject({
      usable: true,
      apiVersion: 12,
    });
  });

  it('names the step that failed and its errno', () => {
    const { ENODEV, EACCES } = os.constants.errno;
    expect(parseProbe('kvm', '/dev/kvm', `open\t${ENODEV}\n`)).toEqual({
      kind: 'kvm',
      device: '/dev/kvm',
      usable: false,
      failedStep: 'open',
      code: 'ENODEV',
      error:
        'cannot be opened read-write: ENODEV (no such device: the kernel driver does not answer)',
    });
    expect(parseProbe('mshv', '/dev/mshv', `open\t0\ncreate\t${EACCES}\n`)).toMatchObject({
      failedStep: 'create',
      error: 'refused to create a partition: EACCES (permission denied)',
    });
  });

  it('calls a probe that said nothing a failure to run', () => {
    expect(parseProbe('kvm', '/dev/kvm', '')).toMatchObject({
      usable: false,
      failedStep: 'run',
      error: 'the probe ended without an answer',
    });
  });
});
