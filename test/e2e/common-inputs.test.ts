import { describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errors, repoRoot, run } from '../support/harness.js';

const ACTIONS = [
  'setup-hypervisor',
  'toggle-feature-gate',
  'select-tests',
  'publish-junit',
  'promote-digest',
];
const seedProfile = readFileSync(path.join(repoRoot, '.github', 'virt-ci.yaml'), 'utf8');

function workspace(profile?: string, file = '.github/virt-ci.yaml'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ws-'));
  if (profile !== undefined) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), profile);
  }
  return dir;
}

describe.each(ACTIONS)('%s bundle answers its common inputs', (action) => {
  it('fails an unknown environment with one line naming the profile and the allowed names', async () => {
    const r = await run(action, {
      workspace: workspace(seedProfile),
      inputs: { environment: 'test-lvm' },
    });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      '.github/virt-ci.yaml: environment "test-lvm" is not defined; allowed: dev, test-kvm, test-emulation, test-mshv',
    ]);
    expect(r.stdout + r.stderr).not.toMatch(/^\s+at /m);
  });

  it('fails a broken profile with file, line and field', async () => {
    const broken = seedProfile.replace('hypervisor: kvm', 'hypervisor: xen');
    const r = await run(action, {
      workspace: workspace(broken),
      inputs: { environment: 'test-kvm' },
    });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      '.github/virt-ci.yaml:15: environments.test-kvm.hypervisor: "xen" is not allowed; allowed: auto | kvm | mshv | emulation',
    ]);
  });

  it('fails a missing explicit profile, naming the input', async () => {
    const r = await run(action, { workspace: workspace(), inputs: { profile: 'ci/envs.yaml' } });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      'input "profile": "ci/envs.yaml" does not exist (relative to the workspace)',
    ]);
  });

  it('prints the stack only when debug logging is on', async () => {
    const ws = workspace(seedProfile);
    const quiet = await run(action, { workspace: ws, inputs: { environment: 'nope' } });
    const debug = await run(action, {
      workspace: ws,
      inputs: { environment: 'nope' },
      env: { RUNNER_DEBUG: '1' },
    });
    expect(quiet.debug.join('\n')).not.toMatch(/\bat /);
    expect(debug.debug.join('\n')).toMatch(/UserError: .*"nope" is not defined[\s\S]*\bat /);
  });
});
