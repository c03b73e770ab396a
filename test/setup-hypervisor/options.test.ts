import { describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Input } from '../../actions/setup-hypervisor/names.gen.js';
import { options } from '../../actions/setup-hypervisor/options.js';
import { testContext } from '../support/context.js';
import { tmp } from './support.js';

const PROFILE = `version: 1
environments:
  ci:
    hypervisor: kvm
    fallback: emulation
    packages: [libvirt]
    env: { KUBEVIRT_EMULATION: 'true' }
`;

function optionsFor(inputs: Partial<Record<Input, string>>) {
  const ws = tmp('shv-ws-');
  mkdirSync(path.join(ws, '.github'));
  writeFileSync(path.join(ws, '.github', 'virt-ci.yaml'), PROFILE);
  const ctx = testContext<Input>('setup-hypervisor', {
    env: { GITHUB_WORKSPACE: ws },
    inputs: (name) => inputs[name as Input] ?? '',
  });
  return options(ctx);
}

describe('options', () => {
  it('takes the defaults where neither an input nor the profile says', () => {
    expect(optionsFor({})).toEqual({
      mode: 'auto',
      fallback: 'none',
      packages: [],
      cache: false,
      startLibvirt: false,
      deviceAccess: true,
      verify: undefined,
      kvmDevice: '/dev/kvm',
      mshvDevice: '/dev/mshv',
      profileEnv: {},
    });
  });

  it("takes the profile's environment where an input is not given, and an input over it", () => {
    expect(optionsFor({ environment: 'ci' })).toMatchObject({
      mode: 'kvm',
      fallback: 'emulation',
      packages: ['libvirt'],
      profileEnv: { KUBEVIRT_EMULATION: 'true' },
    });
    expect(
      optionsFor({ environment: 'ci', mode: 'mshv', fallback: 'none', packages: 'qemu-utils' }),
    ).toMatchObject({ mode: 'mshv', fallback: 'none', packages: ['qemu-utils'] });
  });

  it('leaves verify to the run unless it is given', () => {
    expect(optionsFor({ verify: 'false' }).verify).toBe(false);
    expect(optionsFor({ verify: 'true' }).verify).toBe(true);
    expect(optionsFor({ verify: 'boot' }).verify).toBe('boot');
    expect(optionsFor({ verify: 'Boot' }).verify).toBe('boot');
    expect(() => optionsFor({ verify: 'maybe' })).toThrow(
      'input "verify": "maybe" is not allowed; allowed: true | false | boot',
    );
  });
});
