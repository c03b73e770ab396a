import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { findNode24 } from '../../shared/harness/runner.js';
import { repoRoot } from '../support/harness.js';
import { requireTools } from '../support/tools.js';

requireTools('perl', 'kubectl', 'qemu-img', 'qemu-system-x86_64');

// The demo on this host, with its kubectl and QEMU: every step runs for real, none is skipped.
const node = findNode24(repoRoot);

describe('npm run demo with kubectl and QEMU installed', () => {
  it('plays the seed pipeline: four environments, the promotion and the dashboard, nothing failing or skipped', () => {
    const r = spawnSync(node, [path.join(repoRoot, 'dist', 'cli', 'index.js'), 'demo'], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    const out = r.stdout;
    for (const env of ['dev', 'test-kvm', 'test-emulation', 'test-mshv'])
      expect(out).toContain(`▶ ${env}`);
    expect(out).toContain('▶ promote (dev passed');
    expect(out).toContain('▶ dashboard');
    expect(out).not.toContain('✘');
    expect(out).not.toMatch(/^ {2}– /m);
    expect(out).not.toContain('not on PATH');
    expect(out).toContain('rendered by kubectl kustomize');
    expect(out).toMatch(/, QEMU \S+ checked/);
    expect(out).toMatch(/\n22 step\(s\) ran, 0 failed, 0 skipped\n$/);
    expect(r.status).toBe(0);
  }, 240_000);
});
