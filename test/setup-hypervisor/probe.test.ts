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

  // A VM alone is not enough (issue 15): a KVM that creates VMs may still not run a guest.
  const ran = 'open\t0\napi\t0\t12\ncreate\t0\nvcpu\t0\n';
  it('calls a KVM usable only when its vCPU ran the test guest to its hlt', () => {
    expect(parseProbe('kvm', '/dev/kvm', 'open\t0\napi\t0\t12\n')).toMatchObject({
      usable: false,
      failedStep: 'run',
    });
    expect(parseProbe('kvm', '/dev/kvm', 'open\t0\napi\t0\t12\ncreate\t0\n')).toMatchObject({
      usable: false,
      failedStep: 'run',
      error: 'the probe ended before its vCPU stopped',
    });
    expect(parseProbe('kvm', '/dev/kvm', `${ran}exit\t0\t2\t1:3f8:4b\nexit\t0\t5\t0\n`)).toEqual({
      kind: 'kvm',
      device: '/dev/kvm',
      usable: true,
      apiVersion: 12,
      vcpu: 'ran',
    });
  });

  it("calls a vCPU that stops anywhere but the guest's hlt a KVM that cannot run a guest", () => {
    const stopped = (exits: string) => parseProbe('kvm', '/dev/kvm', ran + exits);
    expect(stopped('exit\t0\t17\t1\n')).toMatchObject({
      usable: false,
      failedStep: 'guest',
      error:
        'ran a vCPU that stopped the test guest with KVM_EXIT_INTERNAL_ERROR (suberror 1: emulation failure)',
    });
    expect(stopped('exit\t0\t9\t33\n').error).toBe(
      'ran a vCPU that stopped the test guest with KVM_EXIT_FAIL_ENTRY (hardware entry failure reason 0x21)',
    );
    expect(stopped('exit\t0\t8\t0\n').error).toBe(
      'ran a vCPU that stopped the test guest with KVM_EXIT_SHUTDOWN (triple fault)',
    );
    // The guest's out alone, or a halt without it, is not the guest having run.
    expect(stopped('exit\t0\t5\t0\n')).toMatchObject({ usable: false, failedStep: 'guest' });
    expect(stopped('exit\t0\t2\t1:80:00\n').error).toBe(
      'ran a vCPU that stopped the test guest with KVM_EXIT_IO (1:80:00, expected 1:3f8:4b)',
    );
    expect(stopped('exit\t0\ttimeout\n').error).toBe(
      "ran a vCPU that did not reach the test guest's hlt within 10 s",
    );
    const { EFAULT } = os.constants.errno;
    expect(stopped(`guest\t${EFAULT}\n`)).toMatchObject({ failedStep: 'guest', code: 'EFAULT' });
  });

  it('stops at the VM where there is no test guest for the architecture, and says so', () => {
    expect(
      parseProbe('kvm', '/dev/kvm', 'open\t0\napi\t0\t12\ncreate\t0\nguest\t0\tskip\taarch64\n'),
    ).toMatchObject({
      usable: true,
      vcpu: 'skipped',
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
