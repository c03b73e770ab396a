import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { silentLog } from '../../../shared/action/log.js';
import { scaledPolicy } from '../../../shared/retry.js';
import { run } from '../../../actions/toggle-feature-gate/toggle-feature-gate.js';
import type { Deps, Options, Result } from '../../../actions/toggle-feature-gate/types.js';
import { fixtures } from '../../support/harness.js';

export const FIXTURES = path.join(fixtures, 'toggle-feature-gate');

export function tmpDir(prefix = 'tfg-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A workspace holding a copy of the example overlay (base + dev). */
export function overlayWorkspace(): string {
  const ws = tmpDir('tfg-ws-');
  cpSync(path.join(FIXTURES, 'overlay'), path.join(ws, 'deploy'), { recursive: true });
  return ws;
}

/** Render with the real kubectl; fails the test when kubectl is missing. */
export function kustomize(dir: string): Array<Record<string, unknown>> {
  const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  if (r.error) throw new Error(`kubectl is needed for these tests: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${r.stderr}`);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, unknown>);
}

export function devConfig(doc: Record<string, unknown>): Record<string, unknown> {
  const spec = doc.spec as { configuration?: { developerConfiguration?: Record<string, unknown> } };
  return spec.configuration?.developerConfiguration ?? {};
}

export function kubeconfigFor(
  server: string,
  opts: { token?: string; ca?: string; dir?: string } = {},
): string {
  const dir = opts.dir ?? tmpDir('tfg-kc-');
  const file = path.join(dir, 'kubeconfig');
  const cluster: Record<string, string> = { server };
  if (opts.ca) cluster['certificate-authority-data'] = Buffer.from(opts.ca).toString('base64');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'test',
      clusters: [{ name: 'test', cluster }],
      users: [{ name: 'ci', user: opts.token ? { token: opts.token } : {} }],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'ci' } }],
    }),
  );
  return file;
}

export function options(over: Partial<Options>): Options {
  return {
    target: 'kubevirt',
    targetFrom: 'input',
    want: { gates: { enable: [], disable: [] } },
    namespace: 'kubevirt',
    name: 'kubevirt',
    format: 'auto',
    wait: true,
    timeoutMs: 10_000,
    restore: false,
    dryRun: false,
    workspace: os.tmpdir(),
    ...over,
  };
}

/** Dependencies for a run in a test: retries at once, short polls, a short request timeout. */
export function testDeps(over: Partial<Deps> = {}): Deps {
  return {
    log: silentLog,
    env: {},
    retry: scaledPolicy(0),
    requestTimeoutMs: 2000,
    pollMs: 50,
    mask: () => undefined,
    ...over,
  };
}

/** run() as a test reads it: the result, or the step's failure thrown. */
export async function runResult(o: Options, deps: Deps = testDeps()): Promise<Result> {
  const outcome = await run(o, deps);
  if (outcome.failure) throw outcome.failure;
  if (!outcome.result) throw new Error('run() returned no result');
  return outcome.result;
}
