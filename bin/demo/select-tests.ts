import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { DemoPlan } from './types.js';

const INVENTORY = '_out/select-tests/inventory.yaml';
const QUARANTINE = '_out/select-tests/quarantine.txt';

/**
 * select-tests's part in the pipeline demo: each environment selects from the demo suite's
 * inventory (its tests and their labels) with the profile's label filter, a flaky label in
 * quarantine, and turns the selection into mocha arguments for the run that follows.
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
      runner: 'mocha',
    },
    prepare(c) {
      const dir = path.join(c.workspace, path.dirname(INVENTORY));
      mkdirSync(dir, { recursive: true });
      cpSync(
        path.join(c.repoRoot, 'bin', 'demo', 'suite', 'inventory.yaml'),
        path.join(c.workspace, INVENTORY),
      );
      writeFileSync(path.join(c.workspace, QUARANTINE), '# known flakes\nlabel:flaky\n');
      return Promise.resolve();
    },
    describe(result) {
      const o = result.outputs;
      return `filter ${JSON.stringify(o['label-filter'] ?? '')} -> ${o.count ?? '?'} tests`;
    },
    after(result, c) {
      if (env && result.outputs['args-json']) {
        c.shared.set(
          `select-tests:args:${env}`,
          JSON.parse(result.outputs['args-json']) as string[],
        );
      }
      if (env && result.outputs.tests) {
        c.shared.set(`select-tests:${env}`, JSON.parse(result.outputs.tests) as string[]);
      }
    },
  };
};
