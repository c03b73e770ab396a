import { describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Inputs } from '../../shared/inputs.js';
import { readOptions, resourcePath } from '../../actions/toggle-feature-gate/options.js';
import { parseGateInput } from '../../actions/toggle-feature-gate/gates.js';
import { repoRoot } from '../support/harness.js';
import { tmpDir } from './support/helpers.js';

const seedProfile = readFileSync(path.join(repoRoot, '.github', 'virt-ci.yaml'), 'utf8');

function ws(profile = seedProfile): string {
  const dir = tmpDir('tfg-opt-');
  mkdirSync(path.join(dir, '.github'));
  writeFileSync(path.join(dir, '.github', 'virt-ci.yaml'), profile);
  return dir;
}
const inputs = (values: Record<string, string>) => new Inputs((n) => values[n] ?? '');

describe('gates input', () => {
  it('reads Name=bool pairs, bare names as true, commas and newlines', () => {
    expect(parseGateInput('A=true, B=false\nC\n# comment\nD=off')).toEqual({
      enable: ['A', 'C'],
      disable: ['B', 'D'],
    });
  });

  it('refuses a name both ways, in any case, and names outside the gate form', () => {
    expect(() => parseGateInput('A=true,A=false')).toThrow(
      'input "gates": "A" is given twice with different values',
    );
    expect(() => parseGateInput('HyperV=true,hyperv=true')).toThrow(
      'input "gates": "HyperV" and "hyperv" name the same gate in different case; give it once',
    );
    expect(() => parseGateInput('Good,bad_name')).toThrow(
      'input "gates": "bad_name" is not a feature gate name',
    );
  });
});

describe('options from inputs and the profile', () => {
  it("takes the environment's gates and the defaults' target, namespace and name", () => {
    const o = readOptions(
      inputs({ profile: '.github/virt-ci.yaml', environment: 'test-kvm' }),
      ws(),
    );
    expect(o).toMatchObject({
      target: 'kubevirt',
      namespace: 'kubevirt',
      name: 'kubevirt',
      want: { gates: { enable: [], disable: ['HyperVL1VH'] } },
      wait: true,
      timeoutMs: 300_000,
      environment: 'test-kvm',
    });
  });

  it('turns on useEmulation for an environment that runs on emulation, unless told otherwise', () => {
    const emu = readOptions(inputs({ environment: 'test-emulation' }), ws());
    expect(emu.want).toEqual({ gates: { enable: [], disable: ['HyperVL1VH'] }, emulation: true });
    const off = readOptions(inputs({ environment: 'test-emulation', emulation: 'false' }), ws());
    expect(off.want.emulation).toBe(false);
    const kvm = readOptions(inputs({ environment: 'test-kvm' }), ws());
    expect(kvm.want.emulation).toBeUndefined();
    const kind = readOptions(
      inputs({ environment: 'test-emulation', target: 'kind-config', path: 'kind.yaml' }),
      ws(),
    );
    expect(kind.want.emulation).toBeUndefined();
  });

  it("lets explicit inputs win and uses each target's own default names", () => {
    const o = readOptions(
      inputs({
        environment: 'dev',
        gates: 'ConfigurableHypervisor',
        target: 'hco',
        timeout: '90s',
      }),
      ws(),
    );
    expect(o).toMatchObject({
      target: 'hco',
      namespace: 'kubevirt-hyperconverged',
      name: 'kubevirt-hyperconverged',
      want: { gates: { enable: ['ConfigurableHypervisor'], disable: [] } },
      timeoutMs: 90_000,
    });
  });

  it('maps hypervisor mshv to hyperv-direct and refuses it for targets without it', () => {
    const o = readOptions(
      inputs({ gates: 'ConfigurableHypervisor', hypervisor: 'mshv', emulation: 'false' }),
      ws(),
    );
    expect(o.want).toEqual({
      gates: { enable: ['ConfigurableHypervisor'], disable: [] },
      emulation: false,
      hypervisor: 'hyperv-direct',
    });
    expect(() => readOptions(inputs({ gates: 'A', hypervisor: 'xen' }), ws())).toThrow(
      'input "hypervisor": "xen" is not a KubeVirt hypervisor; allowed: kvm | hyperv-direct (mshv)',
    );
    expect(() =>
      readOptions(inputs({ gates: 'A', target: 'cdi', emulation: 'true' }), ws()),
    ).toThrow(
      'input "emulation": only the KubeVirt CR has this setting; allowed with target kubevirt or overlay, not cdi',
    );
  });

  it('says what is missing in one line', () => {
    expect(() => readOptions(inputs({}), ws())).toThrow(
      'input "gates": no gates given; give Name=true,Other=false (comma or newline separated)',
    );
    expect(() => readOptions(inputs({ gates: 'A', target: 'overlay' }), ws())).toThrow(
      'input "path" is required for target overlay; give the kustomize folder',
    );
    expect(() => readOptions(inputs({ gates: 'A', namespace: 'Kube_Virt' }), ws())).toThrow(
      'input "namespace": "Kube_Virt" is not a Kubernetes object name',
    );
    expect(() =>
      readOptions(
        inputs({
          gates: 'A',
          target: 'resource',
          resource: 'v1/configmaps',
          name: 'x',
          pointer: 'data',
        }),
        ws(),
      ),
    ).toThrow(
      'input "pointer": "data" is not a JSON pointer to the gates (e.g. /spec/featureGates)',
    );
  });

  it('builds resource paths for the core group, other groups, and full API paths', () => {
    expect(resourcePath('v1/configmaps', 'demo', 'flags')).toBe(
      '/api/v1/namespaces/demo/configmaps/flags',
    );
    expect(resourcePath('example.io/v1/widgets', '', 'w')).toBe('/apis/example.io/v1/widgets/w');
    expect(resourcePath('/apis/example.io/v1/widgets/w', 'ignored', '')).toBe(
      '/apis/example.io/v1/widgets/w',
    );
    expect(() => resourcePath('widgets', 'demo', 'w')).toThrow(
      'input "resource": "widgets" is not',
    );
  });
});
