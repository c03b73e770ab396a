import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeDevice } from '../../actions/setup-hypervisor/probe.js';
import { action } from '../../root/action.js';
import { scaledPolicy } from '../../shared/retry.js';
import type { RunOptions } from '../../shared/harness/runner.js';
import { errors, fixtures, repoRoot, run } from '../support/harness.js';
import { runInProcess } from '../support/in-process.js';
import { FakeApiServer, KUBEVIRT_PATH } from '../toggle-feature-gate/support/fake-apiserver.js';
import { kubeconfigFor } from '../toggle-feature-gate/support/helpers.js';
import { requireTools } from '../support/tools.js';

requireTools('perl');

// The root action (dist/virt-ci/index.js) applies one environment of the seed profile in one
// step: setup-hypervisor, toggle-feature-gate on the KubeVirt CR, select-tests. The CR lives
// in the in-test API server that stands in for kube-apiserver (none can run here).

const seedProfile = readFileSync(path.join(repoRoot, '.github', 'virt-ci.yaml'), 'utf8');
const server = new FakeApiServer();
const TOKEN = 'root-action-token-4b1c';

// Steps that wait for the operator run in this process with short retries and polls; the
// others run the bundle, as the runner does.
const runQuick = (opts: Omit<RunOptions, 'action' | 'inProcess'>) =>
  runInProcess(
    'root',
    action,
    (real) => ({ ...real, gates: { ...real.gates, retry: scaledPolicy(0.01), pollMs: 20 } }),
    opts,
  );

// The host's KVM, asked the way the action asks it (as this user, with no access fix: the
// tests pass `device-access: false`, so they never change the host's device or udev rules).
let HW_KVM = false;
beforeAll(async () => {
  HW_KVM = (await probeDevice('kvm', '/dev/kvm')).usable;
});
beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => {
  server.reset();
  server.token = TOKEN;
  server.put(KUBEVIRT_PATH(), {
    spec: { configuration: { developerConfiguration: { featureGates: ['DataVolumes'] } } },
  });
});

function workspace(): string {
  const ws = mkdtempSync(path.join(os.tmpdir(), 'root-'));
  mkdirSync(path.join(ws, '.github'), { recursive: true });
  writeFileSync(path.join(ws, '.github', 'virt-ci.yaml'), seedProfile);
  copyFileSync(
    path.join(fixtures, 'select-tests', 'kubevirt-dry-run.json'),
    path.join(ws, 'inventory.json'),
  );
  kubeconfigFor(server.url, { token: TOKEN, dir: ws });
  return ws;
}

const developerConfiguration = () =>
  (
    server.get(KUBEVIRT_PATH()).spec as {
      configuration: { developerConfiguration: Record<string, unknown> };
    }
  ).configuration.developerConfiguration;

// What each environment must come out as. Without hardware, kvm and mshv fall back to
// emulation only because the test asks for `fallback: emulation`.
const SEED = [
  { env: 'dev', filter: 'l1hv-new', count: '7', l1hv: 'enabled' },
  { env: 'test-kvm', filter: '!l1hv-new && !mshv', count: '23', l1hv: 'disabled' },
  { env: 'test-emulation', filter: '', count: '34', l1hv: 'disabled' },
  { env: 'test-mshv', filter: '', count: '34', l1hv: 'enabled' },
];

describe('root action: one environment in one step', () => {
  it.each(SEED)('applies $env: hypervisor, the L1HV gate, and the test selection', async (seed) => {
    const r = await runQuick({
      workspace: workspace(),
      inputs: {
        environment: seed.env,
        kubeconfig: 'kubeconfig',
        inventory: 'inventory.json',
        fallback: 'emulation',
        'device-access': 'false',
      },
    });
    expect(errors(r)).toEqual([]);
    expect(r.exitCode).toBe(0);

    const wantHv =
      seed.env === 'test-emulation'
        ? 'emulation'
        : seed.env === 'test-mshv'
          ? 'emulation'
          : HW_KVM
            ? 'kvm'
            : 'emulation';
    expect(r.outputs.hypervisor).toBe(wantHv);
    expect(r.outputs.emulation).toBe(String(wantHv === 'emulation'));
    expect(r.env.VIRT_CI_HYPERVISOR).toBe(wantHv);
    if (seed.env === 'test-emulation') expect(r.env.KUBEVIRT_EMULATION).toBe('true');

    const dev = developerConfiguration();
    const enabled = (dev.featureGates as string[] | undefined) ?? [];
    const disabled = (dev.disabledFeatureGates as string[] | undefined) ?? [];
    if (seed.l1hv === 'enabled') {
      expect(enabled).toContain('HyperVL1VH');
      expect(JSON.parse(r.outputs.enabled)).toContain('HyperVL1VH');
    } else {
      expect(enabled).not.toContain('HyperVL1VH');
      expect(disabled).toContain('HyperVL1VH');
      expect(JSON.parse(r.outputs.disabled)).toContain('HyperVL1VH');
    }
    expect(enabled).toContain('DataVolumes');
    // The CR follows the hypervisor the job really got.
    expect(dev.useEmulation ?? false).toBe(wantHv === 'emulation');

    expect(r.outputs['label-filter']).toBe(seed.filter);
    expect(r.outputs.count).toBe(seed.count);
    expect(JSON.parse(r.outputs.tests)).toHaveLength(Number(seed.count));
    expect(r.summary).toContain('setup-hypervisor');
  });

  // Every host can show this failure: the KVM device named is one that does not exist.
  it('fails test-kvm without KVM and without a fallback, and leaves the gates alone', async () => {
    const before = server.get(KUBEVIRT_PATH());
    const ws = workspace();
    const device = path.join(ws, 'no-kvm-here');
    const r = await run('root', {
      workspace: ws,
      inputs: {
        environment: 'test-kvm',
        kubeconfig: 'kubeconfig',
        inventory: 'inventory.json',
        'kvm-device': device,
      },
    });
    expect(r.exitCode).toBe(1);
    const [message] = errors(r);
    expect(message).toContain(`${device} cannot be opened read-write: ENOENT`);
    expect(message).not.toContain('\n');
    expect(server.get(KUBEVIRT_PATH()).metadata).toEqual(before.metadata);
    expect(r.outputs).not.toHaveProperty('label-filter');
  });

  it('puts the previous gates back in its post step with restore: true', async () => {
    const r = await runQuick({
      workspace: workspace(),
      inputs: {
        environment: 'test-mshv',
        kubeconfig: 'kubeconfig',
        inventory: 'inventory.json',
        fallback: 'emulation',
        restore: 'true',
      },
    });
    expect(r.exitCode).toBe(0);
    expect(r.post?.exitCode).toBe(0);
    expect(developerConfiguration().featureGates).toEqual(['DataVolumes']);
  });

  it('leaves the gates alone when no target is configured, and still selects', async () => {
    const ws = workspace();
    writeFileSync(
      path.join(ws, '.github', 'virt-ci.yaml'),
      seedProfile.replace(
        'gates: { target: kubevirt, namespace: kubevirt, name: kubevirt }',
        'gates: {}',
      ),
    );
    const before = server.get(KUBEVIRT_PATH());
    const r = await run('root', {
      workspace: ws,
      inputs: { environment: 'test-emulation', inventory: 'inventory.json' },
    });
    expect(errors(r)).toEqual([]);
    expect(r.stdout).toContain('Feature gates left alone: no gate target is configured');
    expect(server.get(KUBEVIRT_PATH())).toEqual(before);
    expect(r.outputs.count).toBe('34');
  });

  it('answers a bad environment before changing anything', async () => {
    const r = await run('root', { workspace: workspace(), inputs: { environment: 'test-lvm' } });
    expect(errors(r)).toEqual([
      '.github/virt-ci.yaml: environment "test-lvm" is not defined; allowed: dev, test-kvm, test-emulation, test-mshv',
    ]);
    expect(r.outputs).toEqual({});
  });
});
