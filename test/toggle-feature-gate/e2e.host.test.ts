import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { scaledPolicy } from '../../shared/retry.js';
import { action } from '../../actions/toggle-feature-gate/action.js';
import type { Deps } from '../../actions/toggle-feature-gate/types.js';
import { errors, repoRoot, run } from '../support/harness.js';
import { runInProcess } from '../support/in-process.js';
import { CDI_PATH, FakeApiServer, HCO_PATH, KUBEVIRT_PATH } from './support/fake-apiserver.js';
import {
  FIXTURES,
  devConfig,
  kubeconfigFor,
  kustomize,
  overlayWorkspace,
  tmpDir,
} from './support/helpers.js';
import { selfSignedCert } from '../support/tls.js';
import { requireTools } from '../support/tools.js';

requireTools('kubectl', 'openssl');

// The action run the way the runner runs it (main, then the post step with the saved state),
// against the in-test API server (support/fake-apiserver.ts) that stands in for
// kube-apiserver, which cannot run on the test machines. Runs that wait (for retries, for the
// operator) run in this process with short waits (`step`); the others run the bundle
// dist/toggle-feature-gate/index.js. Build the bundle first: npm run build -- toggle-feature-gate

const seedProfile = readFileSync(path.join(repoRoot, '.github', 'virt-ci.yaml'), 'utf8');
const server = new FakeApiServer();
const TOKEN = 'e2e-token-9f8e7d';

/** Retries at once, polls every 50 ms, and gives up on an unanswered request after 2 s. */
const fast = (real: Deps): Deps => ({
  ...real,
  retry: scaledPolicy(0),
  pollMs: 50,
  requestTimeoutMs: 2000,
});
const step = (opts: Parameters<typeof run>[1]) =>
  runInProcess('toggle-feature-gate', action, fast, opts);

beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => {
  server.reset();
  server.token = TOKEN;
});

function workspace(): string {
  const ws = tmpDir('tfg-e2e-');
  mkdirSync(path.join(ws, '.github'), { recursive: true });
  writeFileSync(path.join(ws, '.github', 'virt-ci.yaml'), seedProfile);
  kubeconfigFor(server.url, { token: TOKEN, dir: ws });
  return ws;
}

function seed(featureGates = ['DataVolumes']) {
  server.put(KUBEVIRT_PATH(), {
    spec: { configuration: { developerConfiguration: { featureGates } } },
  });
}
const gatesNow = () =>
  (server.get(KUBEVIRT_PATH()).spec as { configuration: { developerConfiguration: object } })
    .configuration.developerConfiguration;

describe('toggle-feature-gate bundle, live KubeVirt', () => {
  it("applies the environment's gates, waits, and the post step restores them", async () => {
    seed(['DataVolumes']);
    const r = await step({
      workspace: workspace(),
      inputs: { environment: 'test-mshv', kubeconfig: 'kubeconfig', restore: 'true' },
    });
    expect(errors(r)).toEqual([]);
    expect(r.exitCode).toBe(0);
    expect(r.outputs.changed).toBe('true');
    expect(JSON.parse(r.outputs.enabled)).toEqual(['HyperVL1VH']);
    expect(JSON.parse(r.outputs.disabled)).toEqual([]);
    expect(r.outputs.generation).toBe('2');
    expect(JSON.parse(r.outputs.previous)).toEqual({
      '/spec/configuration/developerConfiguration/featureGates': ['DataVolumes'],
    });
    expect(JSON.parse(r.outputs.patch)[0]).toEqual({
      op: 'test',
      path: '/metadata/generation',
      value: 1,
    });
    expect(r.masks).toContain(TOKEN);
    // Only the mask commands name it (one as soon as the kubeconfig is read, one from the
    // outcome); the runner hides it everywhere else.
    expect(r.stdout.replaceAll(`::add-mask::${TOKEN}`, '')).not.toContain(TOKEN);
    expect(r.summary).toContain('| HyperVL1VH | default | enabled |');
    expect(r.summary).toContain('Taken after waiting');
    // The post step put the list back, conflict-safe, and waited again.
    expect(r.post?.exitCode).toBe(0);
    expect(r.post?.stdout).toContain('KubeVirt kubevirt/kubevirt: previous configuration put back');
    expect(gatesNow()).toEqual({ featureGates: ['DataVolumes'] });
    const patches = server.requests.filter((q) => q.method === 'PATCH');
    expect(patches).toHaveLength(2);
    expect(patches[1].body).toEqual([
      { op: 'test', path: '/metadata/generation', value: 2 },
      {
        op: 'test',
        path: '/spec/configuration/developerConfiguration/featureGates',
        value: ['DataVolumes', 'HyperVL1VH'],
      },
      {
        op: 'replace',
        path: '/spec/configuration/developerConfiguration/featureGates',
        value: ['DataVolumes'],
      },
    ]);
  });

  it('leaves a value someone changed after the main step alone in the post step', async () => {
    seed(['DataVolumes']);
    const ws = workspace();
    const main = await step({
      workspace: ws,
      post: false,
      inputs: { gates: 'HyperVL1VH', kubeconfig: 'kubeconfig', restore: 'true' },
    });
    expect(main.exitCode).toBe(0);
    // A second writer changes the list while the job's tests would be running.
    server.edit(KUBEVIRT_PATH(), (o) => {
      (
        o.spec as { configuration: { developerConfiguration: { featureGates: string[] } } }
      ).configuration.developerConfiguration.featureGates = ['Other'];
    });
    const post = await runPostOnly(
      ws,
      main.state,
      { gates: 'HyperVL1VH', kubeconfig: 'kubeconfig', restore: 'true' },
      step,
    );
    expect(post.exitCode).toBe(0);
    expect(post.annotations.filter((a) => a.level === 'warning').map((a) => a.message)).toEqual([
      'KubeVirt kubevirt/kubevirt: /spec/configuration/developerConfiguration/featureGates was changed by someone else after this job set it; left as it is',
    ]);
    expect(gatesNow()).toEqual({ featureGates: ['Other'] });
  });

  it('the post step reads only the saved state: no inputs, the same kubeconfig', async () => {
    seed(['DataVolumes']);
    const ws = workspace();
    const main = await step({
      workspace: ws,
      post: false,
      inputs: { gates: 'HyperVL1VH', kubeconfig: 'kubeconfig', restore: 'true' },
    });
    expect(main.exitCode).toBe(0);
    expect(main.state['virt-ci-state']).not.toContain(TOKEN);
    // Neither the input nor $KUBECONFIG would find the cluster now: the state names the file.
    const stateEnv = Object.fromEntries(
      Object.entries(main.state).map(([k, v]) => [`STATE_${k}`, v]),
    );
    const post = await step({
      workspace: ws,
      post: false,
      inputs: {},
      env: { ...stateEnv, KUBECONFIG: path.join(ws, 'missing') },
    });
    expect(errors(post)).toEqual([]);
    expect(post.masks).toContain(TOKEN);
    expect(post.stdout).toContain('KubeVirt kubevirt/kubevirt: previous configuration put back');
    expect(gatesNow()).toEqual({ featureGates: ['DataVolumes'] });
  });

  it('changes nothing on a second identical run and says so', async () => {
    seed(['DataVolumes', 'HyperVL1VH']);
    const r = await run('toggle-feature-gate', {
      workspace: workspace(),
      inputs: { environment: 'dev', kubeconfig: 'kubeconfig' },
    });
    expect(r.exitCode).toBe(0);
    expect(r.outputs.changed).toBe('false');
    expect(r.outputs.patch).toBe('[]');
    expect(r.stdout).toContain('KubeVirt kubevirt/kubevirt: already as asked; nothing changed');
    expect(server.requests.filter((q) => q.method !== 'GET')).toEqual([]);
  });

  it('disables through disabledFeatureGates for test-kvm and survives 503, 429 and a hung request', async () => {
    seed(['DataVolumes', 'HyperVL1VH']);
    server.faults.push(
      { method: 'GET', status: 503 },
      { method: 'GET', status: 429, retryAfter: '0' },
      { method: 'PATCH', hang: true },
    );
    const r = await step({
      workspace: workspace(),
      inputs: { environment: 'test-kvm', kubeconfig: 'kubeconfig' },
    });
    expect(errors(r)).toEqual([]);
    expect(gatesNow()).toEqual({
      featureGates: ['DataVolumes'],
      disabledFeatureGates: ['HyperVL1VH'],
    });
    expect(r.stdout).toMatch(/retry 1 in \d+ ms after: GET .*: HTTP 503/);
    expect(JSON.parse(r.outputs.disabled)).toEqual(['HyperVL1VH']);
  });

  it('reports the conditions when the timeout ends, and still restores in the post step', async () => {
    seed(['DataVolumes']);
    server.operator.mode = 'stuck';
    const r = await step({
      workspace: workspace(),
      inputs: {
        gates: 'HyperVL1VH=true',
        kubeconfig: 'kubeconfig',
        timeout: '1s',
        restore: 'true',
      },
    });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      'KubeVirt kubevirt/kubevirt did not take the change within 1s: Progressing=True (Deploying); conditions seen: Available=True (AllComponentsReady), Progressing=True (Deploying), Degraded=False (AllComponentsReady), Created=True (AllResourcesCreated)',
    ]);
    // What was changed is still reported, so later steps can see it.
    expect(r.outputs.changed).toBe('true');
    expect(JSON.parse(r.outputs.previous)).toEqual({
      '/spec/configuration/developerConfiguration/featureGates': ['DataVolumes'],
    });
    expect(r.summary).toContain('| HyperVL1VH | default | enabled |');
    expect(r.summary).toContain('❌ KubeVirt kubevirt/kubevirt did not take the change within 1s');
    expect(r.post?.exitCode).toBe(1);
    // The restore went through; the stuck operator makes its wait fail the same way.
    expect(gatesNow()).toEqual({ featureGates: ['DataVolumes'] });
  });

  it('still reports what it changed when the API server fails during the wait', async () => {
    seed(['DataVolumes']);
    server.operator.mode = 'stuck';
    const running = step({
      workspace: workspace(),
      inputs: { gates: 'HyperVL1VH=true', kubeconfig: 'kubeconfig', timeout: '1m' },
    });
    // Once the change is written, the API server breaks down for good.
    while (!server.requests.some((q) => q.method === 'PATCH' && q.status === 200)) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    server.faults.push({ method: 'GET', status: 503, times: 100 });
    const r = await running;
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      `API server ${server.url} (from ${path.join(r.workspace, 'kubeconfig')}): GET /apis/kubevirt.io/v1/namespaces/kubevirt/kubevirts/kubevirt: HTTP 503 after 3 retries`,
    ]);
    expect(r.outputs.changed).toBe('true');
    expect(JSON.parse(r.outputs.previous)).toEqual({
      '/spec/configuration/developerConfiguration/featureGates': ['DataVolumes'],
    });
    expect(r.summary).toContain('| HyperVL1VH | default | enabled |');
  });

  it('prints the patch on a dry run and sends none', async () => {
    seed(['DataVolumes']);
    const r = await run('toggle-feature-gate', {
      workspace: workspace(),
      inputs: { gates: 'HyperVL1VH', kubeconfig: 'kubeconfig', 'dry-run': 'true' },
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('"op": "replace"');
    expect(r.outputs.changed).toBe('true');
    expect(server.requests.filter((q) => q.method !== 'GET')).toEqual([]);
  });

  it.each([
    [
      'hyperv-l1vh=true',
      'input "gates": "hyperv-l1vh" is not a feature gate name; allowed: UpperCamelCase letters and digits (e.g. HyperVL1VH, ConfigurableHypervisor)',
    ],
    [
      'HyperVL1VH=true\nHyperVL1VH=false',
      'input "gates": "HyperVL1VH" is given twice with different values',
    ],
    [
      'HyperVL1VH=maybe',
      'input "gates": "HyperVL1VH": "maybe" is not a boolean; allowed: true | false',
    ],
  ])('refuses gates %j in one line, touching nothing', async (gates, message) => {
    seed();
    const r = await run('toggle-feature-gate', {
      workspace: workspace(),
      inputs: { gates, kubeconfig: 'kubeconfig', restore: 'true' },
    });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([message]);
    expect(server.requests).toEqual([]);
    expect(r.post?.exitCode).toBe(0);
  });

  it("talks TLS with the kubeconfig's CA data", async () => {
    const { key, cert } = selfSignedCert('kube-apiserver', [
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ]);
    const tls = new FakeApiServer({
      key: readFileSync(key, 'utf8'),
      cert: readFileSync(cert, 'utf8'),
    });
    await tls.start();
    try {
      tls.put(KUBEVIRT_PATH(), {
        spec: { configuration: { developerConfiguration: { featureGates: [] } } },
      });
      const ws = tmpDir('tfg-e2e-');
      kubeconfigFor(tls.url, { dir: ws, ca: readFileSync(cert, 'utf8') });
      const r = await step({
        workspace: ws,
        inputs: { gates: 'HyperVL1VH', kubeconfig: 'kubeconfig' },
      });
      expect(errors(r)).toEqual([]);
      expect(tls.get(KUBEVIRT_PATH()).spec).toEqual({
        configuration: { developerConfiguration: { featureGates: ['HyperVL1VH'] } },
      });
      // Without the CA the same server is refused.
      const ws2 = tmpDir('tfg-e2e-');
      kubeconfigFor(tls.url, { dir: ws2 });
      const bad = await run('toggle-feature-gate', {
        workspace: ws2,
        inputs: { gates: 'HyperVL1VH', kubeconfig: 'kubeconfig' },
      });
      expect(bad.exitCode).toBe(1);
      expect(errors(bad)[0]).toMatch(/self-signed certificate/);
      expect(errors(bad)[0]).toMatch(
        /^API server https:\/\/127\.0\.0\.1:\d+ \(from .*kubeconfig\): GET \/apis\/kubevirt\.io\/\S+ failed: self-signed certificate; give the cluster's certificate-authority/,
      );
    } finally {
      await tls.stop();
    }
  });

  it('names the API server and the kubeconfig when nothing answers there', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const ws = tmpDir('tfg-e2e-');
    kubeconfigFor(`https://127.0.0.1:${port}`, { dir: ws, token: TOKEN });
    const r = await step({
      workspace: ws,
      inputs: { gates: 'HyperVL1VH', kubeconfig: 'kubeconfig' },
    });
    expect(r.exitCode).toBe(1);
    expect(errors(r)).toEqual([
      `API server https://127.0.0.1:${port} (from ${path.join(ws, 'kubeconfig')}): GET /apis/kubevirt.io/v1/namespaces/kubevirt/kubevirts/kubevirt failed: connect ECONNREFUSED 127.0.0.1:${port}`,
    ]);
    expect(r.stdout).toMatch(/retry 3 in \d+ ms after: connect ECONNREFUSED/);
  });
});

describe('toggle-feature-gate bundle, other live targets', () => {
  it('hco: annotation for KubeVirt gates, waits for the KubeVirt CR HCO generates', async () => {
    const hcoKv = KUBEVIRT_PATH('kubevirt-hyperconverged', 'kubevirt-kubevirt-hyperconverged');
    server.put(hcoKv, {
      metadata: { labels: { 'app.kubernetes.io/managed-by': 'hco-operator' } },
      spec: { configuration: { developerConfiguration: { featureGates: ['DataVolumes'] } } },
    });
    server.put(HCO_PATH(), { spec: { featureGates: { downwardMetrics: false } } });
    const r = await step({
      workspace: workspace(),
      inputs: { gates: 'HyperVL1VH', target: 'hco', kubeconfig: 'kubeconfig' },
    });
    expect(errors(r)).toEqual([]);
    expect(r.stdout).toContain(
      'waiting for KubeVirt kubevirt-hyperconverged/kubevirt-kubevirt-hyperconverged (generated by HCO)',
    );
    expect(
      (server.get(hcoKv).spec as { configuration: { developerConfiguration: object } })
        .configuration.developerConfiguration,
    ).toEqual({ featureGates: ['DataVolumes', 'Snapshot', 'HyperVL1VH'] });
  });

  it("cdi: sets the cluster-scoped CR's gate list", async () => {
    server.put(CDI_PATH(), { spec: { config: {} } });
    const r = await step({
      workspace: workspace(),
      inputs: { gates: 'HonorWaitForFirstConsumer', target: 'cdi', kubeconfig: 'kubeconfig' },
    });
    expect(errors(r)).toEqual([]);
    expect(server.get(CDI_PATH()).spec).toEqual({
      config: { featureGates: ['HonorWaitForFirstConsumer'] },
    });
    // CDI has no status subresource: its operator's status writes move the generation too, so
    // the CR is past the write's generation (2) once the change is taken.
    const gen = Number(server.get(CDI_PATH()).metadata.generation);
    expect(gen).toBeGreaterThan(2);
    expect(r.outputs.generation).toBe(String(gen));
  });

  it('resource: an A=true,B=false string in a ConfigMap, by group/version/plural', async () => {
    const cm = '/api/v1/namespaces/kube-system/configmaps/kubelet-flags';
    server.put(cm, { data: { gates: 'Old=true' } }, false);
    const r = await run('toggle-feature-gate', {
      workspace: workspace(),
      inputs: {
        gates: 'Old=false,New',
        target: 'resource',
        resource: 'v1/configmaps',
        namespace: 'kube-system',
        name: 'kubelet-flags',
        pointer: '/data/gates',
        kubeconfig: 'kubeconfig',
      },
    });
    expect(errors(r)).toEqual([]);
    expect(server.get(cm).data).toEqual({ gates: 'Old=false,New=true' });
  });
});

describe('toggle-feature-gate bundle, files', () => {
  it('kind-config: sets featureGates in the file and keeps its comments', async () => {
    const ws = tmpDir('tfg-e2e-');
    copyFileSync(path.join(FIXTURES, 'kind', 'cluster.yaml'), path.join(ws, 'kind.yaml'));
    const r = await run('toggle-feature-gate', {
      workspace: ws,
      inputs: { gates: 'HyperVL1VH', target: 'kind-config', path: 'kind.yaml' },
    });
    expect(errors(r)).toEqual([]);
    const text = readFileSync(path.join(ws, 'kind.yaml'), 'utf8');
    expect(text).toContain('# Needed by the CSI snapshotter.');
    expect(text).toContain('HyperVL1VH: true');
    expect(r.outputs.patch).toBe(
      JSON.stringify([{ op: 'add', path: '/featureGates/HyperVL1VH', value: true }]),
    );
  });
});

describe('toggle-feature-gate bundle, overlay', () => {
  it("writes the profile's gates into the overlay and the post step puts the files back", async () => {
    const ws = overlayWorkspace();
    mkdirSync(path.join(ws, '.github'));
    writeFileSync(path.join(ws, '.github', 'virt-ci.yaml'), seedProfile);
    const dev = path.join(ws, 'deploy', 'dev');
    const kBefore = readFileSync(path.join(dev, 'kustomization.yaml'), 'utf8');
    const r = await run('toggle-feature-gate', {
      workspace: ws,
      post: false,
      inputs: { environment: 'dev', target: 'overlay', path: 'deploy/dev', restore: 'true' },
    });
    expect(errors(r)).toEqual([]);
    expect(r.outputs.changed).toBe('true');
    expect(r.outputs.generation).toBe('');
    expect(devConfig(kustomize(dev)[0])).toEqual({
      featureGates: ['DataVolumes', 'Snapshot', 'HyperVL1VH'],
    });
    const post = await runPostOnly(ws, r.state, {
      environment: 'dev',
      target: 'overlay',
      path: 'deploy/dev',
      restore: 'true',
    });
    expect(post.exitCode).toBe(0);
    expect(readFileSync(path.join(dev, 'kustomization.yaml'), 'utf8')).toBe(kBefore);
    expect(existsSync(path.join(dev, 'virt-ci-feature-gates.yaml'))).toBe(false);
  });

  it('names a missing overlay in one line', async () => {
    const ws = overlayWorkspace();
    const r = await run('toggle-feature-gate', {
      workspace: ws,
      inputs: { gates: 'HyperVL1VH', target: 'overlay', path: 'deploy/prod' },
    });
    expect(errors(r)).toEqual([
      'input "path": overlay "deploy/prod" does not exist or is not a folder',
    ]);
  });
});

/**
 * Run only the post step with a state, as the runner does after later steps ran: in this
 * process (`step`) or as the bundle (`run`).
 */
async function runPostOnly(
  ws: string,
  state: Record<string, string>,
  inputs: Record<string, string>,
  how: typeof step = (opts) => run('toggle-feature-gate', opts),
) {
  const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]));
  return how({ workspace: ws, env: stateEnv, inputs, post: false });
}
