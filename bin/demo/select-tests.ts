import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DemoPlan } from './types.js';

const INVENTORY = '_out/select-tests/dry-run.json';
const QUARANTINE = '_out/select-tests/quarantine.txt';

/**
 * select-tests's part in the seed pipeline demo: each environment selects from a KubeVirt-like
 * Ginkgo dry-run report with the profile's label filter, a flaky label in quarantine.
 */
export const selectTestsDemo: DemoPlan = (stage, ctx) => {
  if (stage !== 'environment') return undefined;
  const env = ctx.environment?.name;
  return {
    action: 'select-tests',
    title: 'select-tests',
    inputs: {
      ...(env ? { environment: env } : {}),
      inventory: INVENTORY,
      quarantine: QUARANTINE,
    },
    prepare(c) {
      const dir = path.join(c.workspace, path.dirname(INVENTORY));
      mkdirSync(dir, { recursive: true });
      cpSync(
        path.join(c.repoRoot, 'test', 'fixtures', 'select-tests', 'kubevirt-dry-run.json'),
        path.join(c.workspace, INVENTORY),
      );
      writeFileSync(path.join(c.workspace, QUARANTINE), '# known flakes\nlabel:flaky\n');
      return Promise.resolve();
    },
    describe(result) {
      const o = result.outputs;
      return `filter ${JSON.stringify(o['label-filter'] ?? '')} -> ${o.count ?? '?'} specs; args: ${o.args ?? ''}`;
    },
    after(result, c) {
      if (env && result.outputs.tests) {
        c.shared.set(`select-tests:${env}`, JSON.parse(result.outputs.tests) as string[]);
      }
    },
  };
};
