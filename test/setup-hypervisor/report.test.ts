import { describe, expect, it } from '@jest/globals';
import { summaryMarkdown } from '../../actions/setup-hypervisor/report.js';
import type { Findings, Options } from '../../actions/setup-hypervisor/types.js';

describe('summaryMarkdown', () => {
  const opts: Options = {
    mode: 'kvm',
    fallback: 'emulation',
    packages: [],
    cache: false,
    startLibvirt: false,
    deviceAccess: true,
    kvmDevice: '/dev/kvm',
    mshvDevice: '/dev/mshv',
    profileEnv: {},
  };

  it('puts the failure first, then what was found, then what was done', () => {
    const progress: Findings = {
      warnings: [],
      notes: [],
      probes: {
        kvm: {
          kind: 'kvm',
          device: '/dev/kvm',
          usable: false,
          failedStep: 'open',
          code: 'EACCES',
          error: 'cannot be opened read-write: EACCES (permission denied)',
        },
      },
      access: [
        {
          kind: 'kvm',
          device: '/dev/kvm',
          ok: false,
          actions: [],
          note: 'sudo: is not installed or not on PATH',
          probe: { kind: 'kvm', device: '/dev/kvm', usable: false },
        },
      ],
    };
    const md = summaryMarkdown(opts, progress, 'input "mode": kvm is not available');
    const failed = md.indexOf('**Failed:** input "mode": kvm is not available');
    const found = md.indexOf(
      '| /dev/kvm | cannot be opened read-write: EACCES (permission denied) |',
    );
    const done = md.indexOf(
      '| device access /dev/kvm | failed: sudo: is not installed or not on PATH |',
    );
    expect(failed).toBeGreaterThan(0);
    expect(found).toBeGreaterThan(failed);
    expect(done).toBeGreaterThan(found);
  });

  it('keeps a warning out of the table that follows it, and collapses the exported variables', () => {
    const md = summaryMarkdown(opts, {
      warnings: ['fell back to emulation: /dev/kvm missing'],
      notes: [],
      hypervisor: 'emulation',
      accelerator: 'tcg',
      device: '',
      nested: 'unknown',
      env: { VIRT_CI_HYPERVISOR: 'emulation', KUBEVIRT_EMULATION: 'true' },
    });
    expect(md).toContain('> ⚠️ fell back to emulation: /dev/kvm missing\n\n| hypervisor |');
    expect(md).toContain('| emulation | tcg | — | unknown | kvm (fallback: emulation) |');
    expect(md).toMatch(
      /<details><summary>exported variables<\/summary>\n\n```\nVIRT_CI_HYPERVISOR=emulation\nKUBEVIRT_EMULATION=true\n```/,
    );
  });
});
