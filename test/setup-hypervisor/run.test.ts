import { describe, expect, it } from '@jest/globals';
import path from 'node:path';
import { run } from '../../actions/setup-hypervisor/setup-hypervisor.js';
import type { Deps, Options } from '../../actions/setup-hypervisor/types.js';
import { qemuBinary } from '../../actions/setup-hypervisor/verify.js';
import { collectLog } from '../../shared/action/log.js';
import { tmp } from './support.js';

// run() with its dependencies in hand. An empty PATH keeps it hermetic: no QEMU is found, so
// nothing is verified, and a device probe cannot start python3, so no device is usable.
const options = (over: Partial<Options> = {}): Options => ({
  mode: 'emulation',
  fallback: 'none',
  packages: [],
  cache: false,
  startLibvirt: false,
  deviceAccess: false,
  kvmDevice: path.join(tmp(), 'kvm'),
  mshvDevice: path.join(tmp(), 'mshv'),
  profileEnv: { KUBEVIRT_EMULATION: 'true' },
  ...over,
});
const deps = (): Deps => ({
  log: collectLog(),
  env: { PATH: '' },
  udevRulesDir: path.join(tmp(), 'rules.d'),
  aptArchives: path.join(tmp(), 'debs'),
  aptReinstall: false,
});

describe('run', () => {
  it('says plainly what the job got: emulation asked for, not fallen back to', async () => {
    const outcome = await run(options(), deps());
    expect(outcome.failure).toBeUndefined();
    expect(outcome.result).toMatchObject({
      hypervisor: 'emulation',
      accelerator: 'tcg',
      device: '',
      fellBack: false,
      nested: 'unknown',
    });
    expect(outcome.result?.fallbackReason).toBeUndefined();
    expect(outcome.outputs).toMatchObject({ hypervisor: 'emulation', emulation: true });
    expect(outcome.env).toEqual({
      KUBEVIRT_EMULATION: 'true',
      VIRT_CI_HYPERVISOR: 'emulation',
      VIRT_CI_ACCELERATOR: 'tcg',
    });
    expect(outcome.warnings).toEqual([]);
  });

  it('an explicit kvm that cannot be had falls back when allowed, and says why', async () => {
    const outcome = await run(options({ mode: 'kvm', fallback: 'emulation' }), deps());
    expect(outcome.result).toMatchObject({
      hypervisor: 'emulation',
      accelerator: 'tcg',
      fellBack: true,
      fallbackReason: expect.stringMatching(/kvm the probe could not run: /),
    });
    expect(outcome.warnings).toEqual([
      expect.stringMatching(/^fell back to emulation: .*kvm the probe could not run: /),
    ]);
  });

  it('returns a failure with the summary of what it found so far, and no outputs', async () => {
    const outcome = await run(options({ mode: 'kvm' }), deps());
    expect(outcome.failure?.message).toMatch(/^input "mode": kvm is not available: /);
    expect(outcome.outputs).toEqual({});
    expect(outcome.result).toBeUndefined();
    expect(outcome.summary).toMatch(/\*\*Failed:\*\* input "mode": kvm is not available/);
    expect(outcome.summary).toMatch(/kvm \| the probe could not run: /);
  });

  it('fails verify: true without QEMU before anything else is started', async () => {
    const outcome = await run(options({ verify: true, startLibvirt: true }), deps());
    expect(outcome.failure?.message).toBe(
      `input "verify": ${qemuBinary()} is not installed; add libvirt (or qemu-system-x86) to packages, or set verify: false`,
    );
  });
});
