import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseProfile } from '../../shared/profile-file.js';
import { repoRoot } from '../support/harness.js';

const examplesDir = path.join(repoRoot, 'examples');
const examples = readdirSync(examplesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);

describe('examples', () => {
  it('has one example per seed document', () => {
    expect(examples.sort()).toEqual([
      'kyklos-release',
      'l1hv-kubevirt',
      'vexfs-domains',
      'vmsnap-kvm',
    ]);
  });

  it.each(examples)('%s ships a workflow and a profile that virt-ci accepts', (name) => {
    const dir = path.join(examplesDir, name);
    expect(existsSync(path.join(dir, 'workflow.yml'))).toBe(true);
    const profile = parseProfile(
      readFileSync(path.join(dir, 'virt-ci.yaml'), 'utf8'),
      `${name}/virt-ci.yaml`,
    );
    expect(profile.environments.length).toBeGreaterThan(0);
    const workflow = parseYaml(readFileSync(path.join(dir, 'workflow.yml'), 'utf8')) as {
      jobs: Record<string, { steps?: Array<{ uses?: string; with?: Record<string, unknown> }> }>;
    };
    const envsUsed = Object.values(workflow.jobs)
      .flatMap((j) => j.steps ?? [])
      .filter((s) => s.uses?.startsWith('virt-ci/virt-ci'))
      .map((s) => s.with?.environment)
      .filter((e): e is string => typeof e === 'string' && !e.includes('${{'));
    const names = profile.environments.map((e) => e.name);
    for (const env of envsUsed) expect(names).toContain(env);
  });

  it('names the seed pipeline environments in the L1HV example', () => {
    const p = parseProfile(
      readFileSync(path.join(examplesDir, 'l1hv-kubevirt', 'virt-ci.yaml'), 'utf8'),
      'p',
    );
    expect(p.environments.map((e) => e.name)).toEqual(
      expect.arrayContaining(['dev', 'test-kvm', 'test-emulation', 'test-mshv']),
    );
    const upstream = p.environments.find((e) => e.name === 'test-mshv-upstream');
    expect(upstream?.gates).toMatchObject({
      hypervisor: 'hyperv-direct',
      values: { ConfigurableHypervisor: true },
    });
  });
});
