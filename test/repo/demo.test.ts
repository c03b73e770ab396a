import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { findNode24 } from '../../shared/harness/runner.js';
import { repoRoot } from '../support/harness.js';

const node = findNode24(repoRoot);
const suite = path.join(repoRoot, 'bin', 'demo', 'suite');

describe('npm run demo', () => {
  it('plays the seed pipeline: four environments, the promotion and the dashboard, nothing failing', () => {
    const r = spawnSync(node, [path.join(repoRoot, 'dist', 'cli', 'index.js'), 'demo'], {
      encoding: 'utf8',
      timeout: 240_000,
    });
    const out = r.stdout;
    for (const env of ['dev', 'test-kvm', 'test-emulation', 'test-mshv'])
      expect(out).toContain(`▶ ${env}`);
    expect(out).toContain('▶ promote');
    expect(out).toContain('▶ dashboard');
    expect(out).not.toContain('✘');
    expect(out).toMatch(/\n\d+ step\(s\) ran, 0 failed\n/);
    expect(r.status).toBe(0);
  });

  it("runs a real suite whose inventory lists exactly the suite's tests", () => {
    const r = spawnSync(
      node,
      [
        path.join(repoRoot, 'node_modules', 'mocha', 'bin', 'mocha.js'),
        '--dry-run',
        '--reporter',
        'json',
        path.join(suite, 'l1hv.spec.mjs'),
      ],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(0);
    const titles = (JSON.parse(r.stdout) as { tests: Array<{ fullTitle: string }> }).tests.map(
      (t) => t.fullTitle,
    );
    const inventory = parseYaml(readFileSync(path.join(suite, 'inventory.yaml'), 'utf8')) as {
      tests: Array<{ id: string; labels: string[] }>;
    };
    expect(inventory.tests.map((t) => t.id).sort()).toEqual(titles.sort());
    for (const t of inventory.tests) {
      expect(t.labels.map((l) => `@${l}`).sort()).toEqual((t.id.match(/@[\w-]+/g) ?? []).sort());
    }
  });
});
