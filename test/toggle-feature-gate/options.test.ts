import { describe, expect, it } from '@jest/globals';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { testContext } from '../support/context.js';
import type { Input } from '../../actions/toggle-feature-gate/names.gen.js';
import {
  applyHypervisor,
  gatePlan,
  options,
  resourcePath,
  wantedGates,
} from '../../actions/toggle-feature-gate/options.js';
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
/** The step's context as the runner gives it: these inputs, in this workspace. */
const ctx = (values: Partial<Record<Input, string>>, workspace: string) =>
  testContext<Input>('toggle-feature-gate', {
    env: { GITHUB_WORKSPACE: workspace },
    inputs: (n) => values[n as Input] ?? '',
  });
const read = (values: Partial<Record<Input, string>>, workspace: string) =>
  options(ctx(values, workspace));

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
    const o = read({ profile: '.github/virt-ci.yaml', environment: 'test-kvm' }, ws());
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
    const emu = read({ environment: 'test-emulation' }, ws());
    expect(emu.want).toEqual({ gates: { enable: [], disable: ['HyperVL1VH'] }, emulation: true });
    const off = read({ environment: 'test-emulation', emulation: 'false' }, ws());
    expect(off.want.emulation).toBe(false);
    const kvm = read({ environment: 'test-kvm' }, ws());
    expect(kvm.want.emulation).toBeUndefined();
    const kind = read(
      { environment: 'test-emulation', target: 'kind-config', path: 'kind.yaml' },
      ws(),
    );
    expect(kind.want.emulation).toBeUndefined();
  });

  it("lets explicit inputs win and uses each target's own default names", () => {
    const o = read(
      {
        environment: 'dev',
        gates: 'ConfigurableHypervisor',
        target: 'hco',
        timeout: '90s',
      },
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
    const o = read(
      { gates: 'ConfigurableHypervisor', hypervisor: 'mshv', emulation: 'false' },
      ws(),
    );
    expect(o.want).toEqual({
      gates: { enable: ['ConfigurableHypervisor'], disable: [] },
      emulation: false,
      hypervisor: 'hyperv-direct',
    });
    expect(() => read({ gates: 'A', hypervisor: 'xen' }, ws())).toThrow(
      'input "hypervisor": "xen" is not a KubeVirt hypervisor; allowed: kvm | hyperv-direct (mshv)',
    );
    expect(() => read({ gates: 'A', target: 'cdi', emulation: 'true' }, ws())).toThrow(
      'input "emulation": only the KubeVirt CR has this setting; allowed with target kubevirt or overlay, not cdi',
    );
  });

  it('says what is missing in one line', () => {
    expect(() => read({}, ws())).toThrow(
      'input "gates": no gates given; give Name=true,Other=false (comma or newline separated)',
    );
    expect(() => read({ gates: 'A', target: 'overlay' }, ws())).toThrow(
      'input "path" is required for target overlay; give the kustomize folder',
    );
    expect(() => read({ gates: 'A', namespace: 'Kube_Virt' }, ws())).toThrow(
      'input "namespace": "Kube_Virt" is not a Kubernetes object name',
    );
    expect(() =>
      read(
        {
          gates: 'A',
          target: 'resource',
          resource: 'v1/configmaps',
          name: 'x',
          pointer: 'data',
        },
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

describe('gatePlan: is there anything to set', () => {
  const noTarget =
    'version: 1\nenvironments:\n  bare: { hypervisor: kvm }\n  some: { gates: { A: true } }\n';

  it('sets what the environment or the inputs give, on the configured target', () => {
    expect(gatePlan(wantedGates(ctx({ environment: 'dev' }, ws())))).toEqual({
      set: true,
      why: 'target kubevirt',
    });
    expect(gatePlan(wantedGates(ctx({ emulation: 'true' }, ws(noTarget))))).toEqual({
      set: true,
      why: 'target kubevirt',
    });
  });

  it('says nothing is given, naming the environment', () => {
    const w = wantedGates(ctx({ environment: 'bare' }, ws(noTarget)));
    expect(gatePlan(w)).toEqual({
      set: false,
      why: 'no gates given and environment "bare" sets none',
    });
    expect(() => options(ctx({ environment: 'bare' }, ws(noTarget)))).toThrow(
      'input "gates": no gates given and environment "bare" sets none; give Name=true,Other=false (comma or newline separated)',
    );
  });

  it('for the root action, skips when no target is configured even with gates to set', () => {
    const w = wantedGates(ctx({ environment: 'some' }, ws(noTarget)));
    expect(w.targetFrom).toBe('default');
    expect(gatePlan(w)).toEqual({ set: true, why: 'target kubevirt' });
    expect(gatePlan(w, { requireTarget: true })).toEqual({
      set: false,
      why: 'no gate target is configured (input "target" or the profile\'s gates.target)',
    });
    const given = wantedGates(ctx({ environment: 'some', target: 'cdi' }, ws(noTarget)));
    expect(given.targetFrom).toBe('input');
    expect(gatePlan(given, { requireTarget: true })).toEqual({ set: true, why: 'target cdi' });
    const profiled = wantedGates(ctx({ environment: 'dev' }, ws()));
    expect(profiled.targetFrom).toBe('profile');
    expect(gatePlan(profiled, { requireTarget: true }).set).toBe(true);
  });

  it('does not need the settings of a step it would skip (a missing path)', () => {
    const w = wantedGates(ctx({ environment: 'bare', target: 'overlay' }, ws(noTarget)));
    expect(gatePlan(w, { requireTarget: true }).set).toBe(false);
  });
});

describe('applyHypervisor: what setup-hypervisor found', () => {
  it('turns on useEmulation for a KubeVirt CR when the job fell back to emulation', () => {
    const o = read({ environment: 'dev' }, ws());
    const emu = applyHypervisor(o, 'emulation');
    expect(emu.want).toEqual({ gates: { enable: ['HyperVL1VH'], disable: [] }, emulation: true });
    expect(emu.notes).toEqual([
      'The job runs under emulation: the KubeVirt CR gets useEmulation: true as well.',
    ]);
    expect(o.want.emulation).toBeUndefined();
    expect(applyHypervisor(o, 'kvm')).toBe(o);
    expect(applyHypervisor(o, 'mshv')).toBe(o);
  });

  it('leaves a decided useEmulation and targets without the setting alone', () => {
    const off = read({ environment: 'dev', emulation: 'false' }, ws());
    expect(applyHypervisor(off, 'emulation').want.emulation).toBe(false);
    const cdi = read({ environment: 'dev', target: 'cdi' }, ws());
    expect(applyHypervisor(cdi, 'emulation')).toBe(cdi);
    const overlay = read({ environment: 'dev', target: 'overlay', path: 'deploy' }, ws());
    expect(applyHypervisor(overlay, 'emulation').want.emulation).toBe(true);
  });
});
