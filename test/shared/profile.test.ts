import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Inputs } from '../../shared/inputs.js';
import { parseProfile } from '../../shared/profile-file.js';
import { loadProfileContext } from '../../shared/profile-context.js';
import { findEnvironment } from '../../shared/profile.js';
import { flakePolicy } from '../../shared/history/policy.js';
import { repoRoot } from '../support/harness.js';

const example = readFileSync(path.join(repoRoot, '.github', 'virt-ci.yaml'), 'utf8');

describe('profile', () => {
  it('reads the seed table: four environments, defaults merged under each', () => {
    const p = parseProfile(example, '.github/virt-ci.yaml');
    expect(p.environments.map((e) => e.name)).toEqual([
      'dev',
      'test-kvm',
      'test-emulation',
      'test-mshv',
    ]);
    const kvm = findEnvironment(p, 'test-kvm');
    expect(kvm.hypervisor).toBe('kvm');
    expect(kvm.gates).toEqual({
      target: 'kubevirt',
      namespace: 'kubevirt',
      name: 'kubevirt',
      values: { HyperVL1VH: false },
    });
    expect(kvm.tests.labelFilter).toBe('!l1hv-new && !mshv');
    expect(kvm.junit).toEqual(['_out/artifacts/junit/*.xml']);
    expect(findEnvironment(p, 'test-emulation').env).toEqual({ KUBEVIRT_EMULATION: 'true' });
    expect(findEnvironment(p, 'test-mshv').gates.values).toEqual({ HyperVL1VH: true });
    expect(findEnvironment(p, 'test-emulation').tests.labelFilter).toBe('');
  });

  it('expresses upstream KubeVirt MSHV support: ConfigurableHypervisor plus hypervisors', () => {
    const p = parseProfile(
      'version: 1\nenvironments:\n  mshv:\n    gates: {ConfigurableHypervisor: true, hypervisor: hyperv-direct, emulation: false}\n',
      'p.yaml',
    );
    expect(p.environments[0].gates).toEqual({
      hypervisor: 'hyperv-direct',
      emulation: false,
      values: { ConfigurableHypervisor: true },
    });
  });

  it.each([
    ['version: 2\n', 'p.yaml:1: version: "2" is not supported; allowed: 1'],
    ['environments: {}\n', 'p.yaml:1: version: is missing; allowed: 1'],
    [
      'version: 1\nenvironments:\n  dev:\n    hypervisor: xen\n',
      'p.yaml:4: environments.dev.hypervisor: "xen" is not allowed; allowed: auto | kvm | mshv | emulation',
    ],
    [
      'version: 1\nenvironments:\n  dev:\n    gates: {L1HV: maybe}\n',
      'p.yaml:4: environments.dev.gates.L1HV: "maybe" is not a boolean; allowed: true | false',
    ],
    [
      'version: 1\nenvironments:\n  dev:\n    gates:\n      bad-gate: true\n',
      'p.yaml:5: environments.dev.gates.bad-gate: "bad-gate" is neither a gate name',
    ],
    [
      'version: 1\nenvironments:\n  dev:\n    test: {}\n',
      'p.yaml:4: environments.dev.test: unknown field; allowed: description, hypervisor',
    ],
    [
      'version: 1\nenvironments:\n  dev:\n    tests: {labelfilter: x}\n',
      'p.yaml:4: environments.dev.tests.labelfilter: unknown field; allowed: labelFilter',
    ],
    [
      'version: 1\nenvironments:\n  dev: {env: {A: [1]}}\n',
      'p.yaml:3: environments.dev.env.A: must be a string, number or boolean',
    ],
    ['version: 1\nenvironments: [a, b]\n', 'p.yaml:2: environments: must be a mapping'],
    [
      'version: 1\nenvironments:\n  dev:\n    hypervisor:\n',
      'p.yaml:4: environments.dev.hypervisor: has no value; allowed: auto | kvm | mshv | emulation',
    ],
    [
      'version: 1\nenvironments:\n  dev:\n    tests:\n      labelFilter:\n',
      'p.yaml:5: environments.dev.tests.labelFilter: has no value; allowed: a string ("" for an empty one)',
    ],
    [
      'version: 1\nenvironments:\n  dev:\n    gates: {HyperVL1VH: }\n',
      'p.yaml:4: environments.dev.gates.HyperVL1VH: has no value; allowed: true | false',
    ],
    ['version: 1\nenvironments:\n  dev: {}\n  dev: {}\n', 'p.yaml:4: not valid YAML'],
    ['version: 1\n  bad: indent\n', 'p.yaml:'],
  ])('rejects %j with one line naming file, line and field', (text, message) => {
    let caught: Error | undefined;
    try {
      parseProfile(text, 'p.yaml');
    } catch (e) {
      caught = e as Error;
    }
    expect(caught?.name).toBe('UserError');
    expect(caught?.message).toContain(message);
    expect(caught?.message).not.toContain('\n');
  });

  describe('flake:', () => {
    const text = [
      'version: 1',
      'defaults:',
      '  flake:',
      '    budget: 0.1%',
      '    threshold: 2 in 100',
      '    expiry: 14d',
      '    keep: 200',
      'environments:',
      '  unit:',
      '    flake: {budget: 0%}',
      '  e2e:',
      '    flake:',
      '      budget: 0.5%',
      '      threshold: 3 in 50',
      '      issues: true',
      '      period: 90d',
      '  plain: {}',
      '',
    ].join('\n');

    it('merges each environment over the defaults, field by field', () => {
      const p = parseProfile(text, 'p.yaml');
      expect(p.defaults.flake).toEqual({
        budget: '0.1%',
        threshold: '2 in 100',
        expiry: '14d',
        keep: 200,
      });
      expect(findEnvironment(p, 'unit').flake).toEqual({
        budget: '0%',
        threshold: '2 in 100',
        expiry: '14d',
        keep: 200,
      });
      expect(findEnvironment(p, 'e2e').flake).toEqual({
        budget: '0.5%',
        threshold: '3 in 50',
        expiry: '14d',
        keep: 200,
        issues: true,
        period: '90d',
      });
      expect(findEnvironment(p, 'plain').flake).toEqual(p.defaults.flake);
    });

    it('turns the merged settings into the policy in numbers', () => {
      const p = parseProfile(text, 'p.yaml');
      expect(flakePolicy(findEnvironment(p, 'e2e').flake)).toEqual({
        budget: 0.005,
        count: 3,
        of: 50,
        expiryDays: 14,
        issues: true,
        keep: 200,
        periodDays: 90,
      });
      expect(flakePolicy(findEnvironment(p, 'unit').flake)).toMatchObject({
        budget: 0,
        count: 2,
        of: 100,
        issues: false,
      });
      // No flake: at all is the Kyklos defaults.
      expect(flakePolicy(parseProfile('version: 1\n', 'p.yaml').defaults.flake)).toEqual({
        budget: 0.001,
        count: 2,
        of: 100,
        expiryDays: 14,
        issues: false,
        keep: 100,
      });
    });

    it('reads the settings of the chosen environment through the common inputs', async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'profile-flake-'));
      mkdirSync(path.join(dir, '.github'));
      writeFileSync(path.join(dir, '.github', 'virt-ci.yaml'), text);
      const inputs = (v: Record<string, string>) => new Inputs((n) => v[n] ?? '');
      const e2e = await loadProfileContext(inputs({ environment: 'e2e' }), dir);
      expect(e2e.settings.flake.threshold).toBe('3 in 50');
      const none = await loadProfileContext(inputs({}), dir);
      expect(none.settings.flake.threshold).toBe('2 in 100');
      expect(none.settings.flake.issues).toBeUndefined();
    });

    const env = (flake: string) => `version: 1\nenvironments:\n  e2e:\n    flake:\n${flake}`;
    it.each([
      [
        env('      budget: 5\n'),
        'p.yaml:5: environments.e2e.flake.budget: "5" is not a budget; allowed: a percentage from 0% to 100%, e.g. "0.5%"',
      ],
      [
        env('      budget: 150%\n'),
        'p.yaml:5: environments.e2e.flake.budget: "150%" is not a budget; allowed: a percentage from 0% to 100%',
      ],
      [
        env('      threshold: 2 of 100\n'),
        'p.yaml:5: environments.e2e.flake.threshold: "2 of 100" is not a threshold; allowed: "N in M" with 1 ≤ N ≤ M ≤ 1000, e.g. "2 in 100"',
      ],
      [
        env('      threshold: 5 in 3\n'),
        'p.yaml:5: environments.e2e.flake.threshold: "5 in 3" is not a threshold; allowed: "N in M"',
      ],
      [
        env('      budget: 1%\n      expiry: 2w\n'),
        'p.yaml:6: environments.e2e.flake.expiry: "2w" is not a number of days; allowed: whole days from 1, e.g. "14d"',
      ],
      [
        env('      period: 0d\n'),
        'p.yaml:5: environments.e2e.flake.period: "0d" is not a number of days; allowed: whole days from 1',
      ],
      [
        env('      keep: 0\n'),
        'p.yaml:5: environments.e2e.flake.keep: must be a whole number of runs from 1 to 1000',
      ],
      [
        env('      keep: many\n'),
        'p.yaml:5: environments.e2e.flake.keep: must be a whole number of runs from 1 to 1000',
      ],
      [
        env('      issues: maybe\n'),
        'p.yaml:5: environments.e2e.flake.issues: "maybe" is not a boolean; allowed: true | false',
      ],
      [
        env('      budget: 1%\n      quarantine: true\n'),
        'p.yaml:6: environments.e2e.flake.quarantine: unknown field; allowed: budget, threshold, expiry, issues, keep, period',
      ],
      [
        'version: 1\ndefaults:\n  flake:\n    threshold: two in 100\n',
        'p.yaml:4: defaults.flake.threshold: "two in 100" is not a threshold',
      ],
      [
        'version: 1\nenvironments:\n  e2e:\n    flake: 2 in 100\n',
        'p.yaml:4: environments.e2e.flake: must be a mapping',
      ],
    ])('rejects %j in one line naming file, line, field and what is allowed', (yaml, message) => {
      let caught: Error | undefined;
      try {
        parseProfile(yaml, 'p.yaml');
      } catch (e) {
        caught = e as Error;
      }
      expect(caught?.name).toBe('UserError');
      expect(caught?.message).toContain(message);
      expect(caught?.message).not.toContain('\n');
    });
  });

  describe('common inputs', () => {
    const ws = () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'profile-'));
      mkdirSync(path.join(dir, '.github'));
      return dir;
    };
    const inputs = (v: Record<string, string>) => new Inputs((n) => v[n] ?? '');

    it('accepts a missing default profile, but not a missing explicit one', async () => {
      const dir = ws();
      expect((await loadProfileContext(inputs({}), dir)).profile).toBeUndefined();
      expect(
        (await loadProfileContext(inputs({ profile: '.github/virt-ci.yaml' }), dir)).profile,
      ).toBeUndefined();
      await expect(loadProfileContext(inputs({ profile: 'ci/profile.yaml' }), dir)).rejects.toThrow(
        'input "profile": "ci/profile.yaml" does not exist (relative to the workspace)',
      );
    });

    it('names the allowed environments when an unknown one is asked for', async () => {
      const dir = ws();
      writeFileSync(path.join(dir, '.github', 'virt-ci.yaml'), example);
      expect(
        (await loadProfileContext(inputs({ environment: 'test-kvm' }), dir)).environment
          ?.hypervisor,
      ).toBe('kvm');
      await expect(loadProfileContext(inputs({ environment: 'test-lvm' }), dir)).rejects.toThrow(
        '.github/virt-ci.yaml: environment "test-lvm" is not defined; allowed: dev, test-kvm, test-emulation, test-mshv',
      );
    });

    it('refuses an environment when there is no profile to define it', async () => {
      await expect(loadProfileContext(inputs({ environment: 'dev' }), ws())).rejects.toThrow(
        'input "environment": "dev" needs a profile, and .github/virt-ci.yaml does not exist',
      );
    });
  });
});
