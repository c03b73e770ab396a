import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { silentLog } from '../../shared/action/log.js';
import { restore } from '../../actions/toggle-feature-gate/restore.js';
import { parseState } from '../../actions/toggle-feature-gate/state.js';
import { run } from '../../actions/toggle-feature-gate/toggle-feature-gate.js';
import type { Options, Result } from '../../actions/toggle-feature-gate/types.js';
import {
  CDI_CONFIG_PATH,
  CDI_PATH,
  FakeApiServer,
  HCO_PATH,
  KUBEVIRT_PATH,
} from './support/fake-apiserver.js';
import { kubeconfigFor, options, runResult, testDeps } from './support/helpers.js';

// Live targets against the in-test API server (support/fake-apiserver.ts), which behaves like
// kube-apiserver for these resources: no real API server can run on the test machines.

const server = new FakeApiServer();
let kubeconfig = '';
beforeAll(async () => {
  await server.start();
  server.token = 'secret-token-123';
  kubeconfig = kubeconfigFor(server.url, { token: server.token });
});
afterAll(() => server.stop());
beforeEach(() => server.reset());

const gates = (enable: string[], disable: string[] = []) => ({ gates: { enable, disable } });
const go = (over: Partial<Options>): Promise<Result> => runResult(options({ kubeconfig, ...over }));
const dev = (path = KUBEVIRT_PATH()) =>
  (server.get(path).spec as { configuration: { developerConfiguration: Record<string, unknown> } })
    .configuration.developerConfiguration;
const writes = () => server.requests.filter((r) => r.method !== 'GET');

function seedKubeVirt(devConfig: Record<string, unknown> = { featureGates: ['DataVolumes'] }) {
  return server.put(KUBEVIRT_PATH(), {
    spec: { configuration: { developerConfiguration: devConfig }, imagePullPolicy: 'IfNotPresent' },
  });
}

describe('kubevirt target', () => {
  it('enables and disables in one conflict-safe JSON patch and waits until taken', async () => {
    seedKubeVirt({
      featureGates: ['DataVolumes', 'Snapshot'],
      disabledFeatureGates: ['HyperVL1VH'],
    });
    const r = await go({ want: gates(['HyperVL1VH'], ['Snapshot']) });
    expect(dev()).toEqual({
      featureGates: ['DataVolumes', 'HyperVL1VH'],
      disabledFeatureGates: ['Snapshot'],
    });
    expect(r.changed).toBe(true);
    expect(r.before).toEqual({ HyperVL1VH: 'disabled', Snapshot: 'enabled' });
    expect(r.after).toEqual({ HyperVL1VH: 'enabled', Snapshot: 'disabled' });
    expect(r.patch[0]).toEqual({ op: 'test', path: '/metadata/generation', value: 1 });
    expect(writes()).toHaveLength(1);
    expect(writes()[0]).toMatchObject({
      method: 'PATCH',
      contentType: 'application/json-patch+json',
      authorization: 'Bearer secret-token-123',
      body: r.patch,
    });
    // It waited for the operator to finish (Progressing=False), not just for Available.
    expect(r.generation).toBe(2);
    expect(r.readiness?.ready).toBe(true);
    const st = server.get(KUBEVIRT_PATH()).status as {
      observedGeneration: number;
      conditions: Array<{ type: string; status: string }>;
    };
    expect(st.observedGeneration).toBe(2);
    expect(st.conditions.find((c) => c.type === 'Progressing')?.status).toBe('False');
    expect(r.previous).toEqual({
      '/spec/configuration/developerConfiguration/featureGates': ['DataVolumes', 'Snapshot'],
      '/spec/configuration/developerConfiguration/disabledFeatureGates': ['HyperVL1VH'],
    });
  });

  it('changes nothing on a second identical run and says so', async () => {
    seedKubeVirt();
    await go({ want: gates(['HyperVL1VH']) });
    const rv = server.get(KUBEVIRT_PATH()).metadata.resourceVersion;
    server.requests.length = 0;
    const again = await go({ want: gates(['HyperVL1VH']) });
    expect(again.changed).toBe(false);
    expect(again.patch).toEqual([]);
    expect(writes()).toEqual([]);
    expect(server.get(KUBEVIRT_PATH()).metadata.resourceVersion).toBe(rv);
  });

  it('creates the developerConfiguration it needs and sets emulation and hypervisor with the gates', async () => {
    server.put(KUBEVIRT_PATH(), { spec: { imagePullPolicy: 'IfNotPresent' } });
    const r = await go({
      want: { ...gates(['ConfigurableHypervisor']), emulation: true, hypervisor: 'hyperv-direct' },
    });
    const spec = server.get(KUBEVIRT_PATH()).spec as { configuration: Record<string, unknown> };
    expect(spec.configuration).toEqual({
      developerConfiguration: { featureGates: ['ConfigurableHypervisor'], useEmulation: true },
      hypervisors: [{ name: 'hyperv-direct' }],
    });
    expect(writes()).toHaveLength(1);
    expect(r.warnings).toEqual([]);
  });

  it('on a dry run returns the patch and sends none', async () => {
    seedKubeVirt();
    const r = await go({ dryRun: true, want: gates(['HyperVL1VH']) });
    expect(r.changed).toBe(true);
    expect(r.patch).toEqual([
      { op: 'test', path: '/metadata/generation', value: 1 },
      {
        op: 'test',
        path: '/spec/configuration/developerConfiguration/featureGates',
        value: ['DataVolumes'],
      },
      {
        op: 'replace',
        path: '/spec/configuration/developerConfiguration/featureGates',
        value: ['DataVolumes', 'HyperVL1VH'],
      },
    ]);
    expect(writes()).toEqual([]);
    expect(dev()).toEqual({ featureGates: ['DataVolumes'] });
  });

  it('re-reads and re-plans when someone else edits the gates between read and write', async () => {
    seedKubeVirt();
    server.faults.push({
      method: 'PATCH',
      concurrentEdit: (o) => {
        (
          o.spec as { configuration: { developerConfiguration: { featureGates: string[] } } }
        ).configuration.developerConfiguration.featureGates.push('NUMA');
      },
    });
    const r = await go({ want: gates(['HyperVL1VH']) });
    expect(writes().map((w) => w.status)).toEqual([422, 200]);
    expect(dev()).toEqual({ featureGates: ['DataVolumes', 'NUMA', 'HyperVL1VH'] });
    expect(r.previous['/spec/configuration/developerConfiguration/featureGates']).toEqual([
      'DataVolumes',
      'NUMA',
    ]);
  });

  it('retries a 409 Conflict from the server', async () => {
    seedKubeVirt();
    server.faults.push({ method: 'PATCH', status: 409 });
    await go({ want: gates(['HyperVL1VH']) });
    expect(writes().map((w) => w.status)).toEqual([409, 200]);
    expect(dev()).toEqual({ featureGates: ['DataVolumes', 'HyperVL1VH'] });
  });

  it('gives up with one line after repeated conflicts, having changed nothing', async () => {
    seedKubeVirt();
    server.faults.push({ method: 'PATCH', status: 409, times: 10 });
    await expect(go({ want: gates(['HyperVL1VH']) })).rejects.toThrow(
      'KubeVirt kubevirt/kubevirt: still conflicting with concurrent edits after 5 attempts; nothing was changed',
    );
    expect(dev()).toEqual({ featureGates: ['DataVolumes'] });
  });

  it('stops at a real 422 refusal (values unchanged) with the server message', async () => {
    seedKubeVirt();
    server.operator.mode = 'refuse';
    await expect(go({ want: gates(['HyperVL1VH']) })).rejects.toThrow(
      'KubeVirt kubevirt/kubevirt: PATCH /apis/kubevirt.io/v1/namespaces/kubevirt/kubevirts/kubevirt failed with HTTP 422: admission webhook "kubevirt-update-validator.kubevirt.io" denied the request: the operator refuses this configuration',
    );
    expect(writes()).toHaveLength(1);
  });

  it("shows the API server's own causes of a schema 422", async () => {
    seedKubeVirt();
    await expect(go({ want: { ...gates([]), hypervisor: 'xen' } })).rejects.toThrow(
      'KubeVirt kubevirt/kubevirt: PATCH /apis/kubevirt.io/v1/namespaces/kubevirt/kubevirts/kubevirt failed with HTTP 422: KubeVirt.kubevirt.io "kubevirt" is invalid: spec.configuration.hypervisors[0].name: Unsupported value: "xen": supported values: "kvm", "hyperv-direct"',
    );
    expect(dev()).toEqual({ featureGates: ['DataVolumes'] });
  });

  it('names the verb, resource, namespace and user of an RBAC refusal', async () => {
    seedKubeVirt();
    server.forbid.push({ verb: 'patch' });
    await expect(go({ want: gates(['HyperVL1VH']) })).rejects.toThrow(
      'KubeVirt kubevirt/kubevirt: RBAC forbids user "system:serviceaccount:ci:runner" to patch kubevirts (API group kubevirt.io) in namespace kubevirt (HTTP 403); grant it with a Role or ClusterRole',
    );
    expect(dev()).toEqual({ featureGates: ['DataVolumes'] });
  });

  it("turns the API server's Warning headers into step warnings", async () => {
    seedKubeVirt();
    server.kubevirtGateStates = { LiveMigration: 'General Availability' };
    const r = await go({ want: gates(['LiveMigration']) });
    expect(r.warnings).toEqual([
      'API server: feature gate LiveMigration is deprecated (feature state is "General Availability"), therefore it can be safely removed and is redundant. For more info, please look at: https://github.com/kubevirt/kubevirt/blob/main/docs/deprecation.md',
    ]);
  });

  it("also requires Created=True, as KubeVirt's test suite does", async () => {
    seedKubeVirt();
    // virt-operator has not created all its resources yet.
    const kv = server.objects.get(KUBEVIRT_PATH());
    const conds = (
      kv?.status as { conditions: Array<{ type: string; status: string; reason: string }> }
    ).conditions;
    const created = conds.find((c) => c.type === 'Created');
    if (created) Object.assign(created, { status: 'False', reason: 'Creating' });
    server.operator.progressMs = 100_000;
    await expect(go({ want: gates(['HyperVL1VH']), timeoutMs: 400 })).rejects.toThrow(
      /did not take the change within 400ms: observedGeneration 1 < generation 2; Created=False \(Creating\)/,
    );
  });

  it('waits until virt-controller, virt-api and virt-handler run the new configuration, saying so as it waits', async () => {
    seedKubeVirt();
    server.operator.componentLagMs = 400;
    const lines: string[] = [];
    const deps = testDeps({ log: { ...silentLog, info: (l) => void lines.push(l) } });
    const r = await runResult(options({ kubeconfig, want: gates(['HyperVL1VH']) }), deps);
    expect(r.readiness?.ready).toBe(true);
    const waiting = lines.filter((l) => l.startsWith('waiting for KubeVirt kubevirt/kubevirt: '));
    expect(
      waiting.some((l) =>
        /virt-controller pod virt-controller-7d9f8 runs configuration \d+, not yet \d+/.test(l),
      ),
    ).toBe(true);
    // When it said taken, every component ran at least the version the write returned.
    const patched = server.requests.find((q) => q.method === 'PATCH' && q.status === 200)
      ?.response as { metadata: { resourceVersion: string } };
    for (const c of ['virt-controller', 'virt-api', 'virt-handler']) {
      expect(Number(server.componentRv.get(`kubevirt/${c}`))).toBeGreaterThanOrEqual(
        Number(patched.metadata.resourceVersion),
      );
    }
    const proxied = server.requests.filter((q) => q.path.endsWith('/proxy/healthz'));
    expect(new Set(proxied.map((q) => q.path.split('/')[6]))).toEqual(
      new Set([
        'https:virt-controller-7d9f8:8443',
        'https:virt-api-7d9f8:8443',
        'https:virt-handler-7d9f8:8443',
      ]),
    );
  });

  it('fails naming the component that never loads the new configuration', async () => {
    seedKubeVirt();
    server.operator.staleComponent = 'virt-handler';
    await expect(go({ want: gates(['HyperVL1VH']), timeoutMs: 600 })).rejects.toThrow(
      /did not take the change within 600ms: virt-handler pod virt-handler-7d9f8 runs configuration \d+, not yet \d+/,
    );
  });

  it("relies on the CR's conditions, with a warning, where the pod proxy is forbidden", async () => {
    seedKubeVirt();
    server.forbid.push({ pathIncludes: '/proxy/' });
    const r = await go({ want: gates(['HyperVL1VH']) });
    expect(r.readiness?.ready).toBe(true);
    expect(r.warnings).toContain(
      'could not reach /healthz of pod virt-controller-7d9f8 through the API server\'s pod proxy (HTTP 403: pods "virt-controller-7d9f8" is forbidden: User "system:serviceaccount:ci:runner" cannot get resource "pods/proxy" in API group "" in the namespace "kubevirt"); relied on the KubeVirt CR\'s conditions for it',
    );
  });

  it('retries 5xx, 429 with Retry-After, and a request that never gets an answer', async () => {
    seedKubeVirt();
    server.faults.push(
      { method: 'GET', status: 503 },
      { method: 'GET', status: 429, retryAfter: '0' },
      { method: 'PATCH', hang: true },
      { method: 'PATCH', status: 500 },
    );
    const r = await go({ want: gates(['HyperVL1VH']) });
    expect(server.requests.slice(0, 6).map((q) => `${q.method} ${q.status}`)).toEqual([
      'GET 503',
      'GET 429',
      'GET 200',
      'PATCH -1',
      'PATCH 500',
      // The unanswered PATCH may have been applied; the third try is refused by its own test
      // op only if it was — here it was not, so it goes through.
      'PATCH 200',
    ]);
    expect(r.readiness?.ready).toBe(true);
    expect(dev()).toEqual({ featureGates: ['DataVolumes', 'HyperVL1VH'] });
  });

  it('fails after the retries when the server keeps answering 503', async () => {
    seedKubeVirt();
    server.faults.push({ method: 'GET', status: 503, times: 10 });
    await expect(go({ want: gates(['HyperVL1VH']) })).rejects.toThrow(
      'GET /apis/kubevirt.io/v1/namespaces/kubevirt/kubevirts/kubevirt: HTTP 503',
    );
    expect(server.requests).toHaveLength(4);
  });

  it('names a missing KubeVirt CR in one line and writes nothing', async () => {
    await expect(go({ want: gates(['HyperVL1VH']), namespace: 'kv' })).rejects.toThrow(
      'KubeVirt kv/kubevirt not found (/apis/kubevirt.io/v1/namespaces/kv/kubevirts/kubevirt): kubevirts.kubevirt.io "kubevirt" not found',
    );
    expect(writes()).toEqual([]);
  });

  it('reports the conditions seen when the operator does not settle in time', async () => {
    seedKubeVirt();
    server.operator.mode = 'stuck';
    await expect(go({ want: gates(['HyperVL1VH']), timeoutMs: 800 })).rejects.toThrow(
      'KubeVirt kubevirt/kubevirt did not take the change within 800ms: Progressing=True (Deploying); conditions seen: Available=True (AllComponentsReady), Progressing=True (Deploying), Degraded=False (AllComponentsReady)',
    );
  });

  it('does not count Available=True as taken while the new generation is unobserved', async () => {
    seedKubeVirt();
    server.operator.progressMs = 100_000;
    await expect(go({ want: gates(['HyperVL1VH']), timeoutMs: 500 })).rejects.toThrow(
      /did not take the change within 500ms: observedGeneration 1 < generation 2; conditions seen: Available=True \(AllComponentsReady\), Progressing=False/,
    );
  });

  it('fails on a degraded operator, naming the condition', async () => {
    seedKubeVirt();
    server.operator.mode = 'degraded';
    await expect(go({ want: gates(['HyperVL1VH']), timeoutMs: 800 })).rejects.toThrow(
      /Degraded=True \(VirtHandlerCrashLoop\)/,
    );
  });

  it('refuses a KubeVirt CR that HCO manages, and writes nothing', async () => {
    server.put(KUBEVIRT_PATH(), {
      metadata: { labels: { 'app.kubernetes.io/managed-by': 'hco-operator' } },
      spec: { configuration: { developerConfiguration: { featureGates: [] } } },
    });
    await expect(go({ want: gates(['HyperVL1VH']) })).rejects.toThrow(
      'KubeVirt kubevirt/kubevirt is managed by HyperConverged, which overwrites direct edits; use target: hco (nothing was changed)',
    );
    expect(writes()).toEqual([]);
  });

  it('refuses credentials the server rejects, without printing them', async () => {
    seedKubeVirt();
    const bad = kubeconfigFor(server.url, { token: 'wrong-token' });
    await expect(
      runResult(options({ kubeconfig: bad, want: gates(['HyperVL1VH']) })),
    ).rejects.toThrow(
      'KubeVirt kubevirt/kubevirt: the API server refused the credentials (HTTP 401): Unauthorized',
    );
  });
});

describe('hco target', () => {
  const HCO_KV = KUBEVIRT_PATH('kubevirt-hyperconverged', 'kubevirt-kubevirt-hyperconverged');
  function seedHco() {
    server.put(HCO_KV, {
      metadata: { labels: { 'app.kubernetes.io/managed-by': 'hco-operator' } },
      spec: {
        configuration: { developerConfiguration: { featureGates: ['DataVolumes', 'Snapshot'] } },
      },
    });
    server.put(HCO_PATH(), {
      spec: { featureGates: { downwardMetrics: false, deployKubeSecondaryDNS: false } },
    });
  }
  const hco = (over: Partial<Options>) =>
    go({
      target: 'hco',
      namespace: 'kubevirt-hyperconverged',
      name: 'kubevirt-hyperconverged',
      ...over,
    });

  it('passes KubeVirt gates through the jsonpatch annotation and HCO gates through its map', async () => {
    seedHco();
    const r = await hco({ want: gates(['HyperVL1VH', 'DownwardMetrics']) });
    const obj = server.get(HCO_PATH());
    expect((obj.spec as { featureGates: object }).featureGates).toEqual({
      downwardMetrics: true,
      deployKubeSecondaryDNS: false,
    });
    expect(
      JSON.parse(
        (obj.metadata.annotations as Record<string, string>)['kubevirt.kubevirt.io/jsonpatch'],
      ),
    ).toEqual([
      {
        op: 'add',
        path: '/spec/configuration/developerConfiguration/featureGates/-',
        value: 'HyperVL1VH',
      },
    ]);
    expect(r.after).toEqual({ HyperVL1VH: 'enabled', DownwardMetrics: 'enabled' });
    // The step returned only once HCO had regenerated its KubeVirt CR with the gates.
    expect(dev(HCO_KV)).toEqual({
      featureGates: ['DataVolumes', 'Snapshot', 'DownwardMetrics', 'HyperVL1VH'],
    });
  });

  it('keeps other annotation operations and removes only its own on disable', async () => {
    seedHco();
    const other = {
      op: 'add',
      path: '/spec/configuration/developerConfiguration/featureGates/-',
      value: 'NUMA',
    };
    server.edit(HCO_PATH(), (o) => {
      o.metadata.annotations = {
        'kubevirt.kubevirt.io/jsonpatch': JSON.stringify([
          other,
          {
            op: 'add',
            path: '/spec/configuration/developerConfiguration/featureGates/-',
            value: 'HyperVL1VH',
          },
        ]),
      };
    });
    // The cluster as the step finds it: HCO has already applied both operations.
    for (let i = 0; !(dev(HCO_KV).featureGates as string[] | undefined)?.includes('NUMA'); i++) {
      if (i > 200) throw new Error('the fake HCO never applied the seeded annotation');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const r = await hco({ want: gates([], ['HyperVL1VH']) });
    expect(r.before).toEqual({ HyperVL1VH: 'enabled' });
    const ann = (server.get(HCO_PATH()).metadata.annotations as Record<string, string>)[
      'kubevirt.kubevirt.io/jsonpatch'
    ];
    expect(JSON.parse(ann)).toEqual([other]);
    expect(dev(HCO_KV).featureGates).toEqual(['DataVolumes', 'Snapshot', 'NUMA']);
    // Taken: whether HCO folded the earlier edit and this change into one regeneration or
    // two depends on timing, so the generation number itself is not fixed.
    const kv = server.get(HCO_KV);
    expect(kv.status).toMatchObject({ observedGeneration: kv.metadata.generation });
    const again = await hco({ want: gates([], ['HyperVL1VH']) });
    expect(again.changed).toBe(false);
  });
});

describe('hco target without its KubeVirt CR', () => {
  it('says it could only wait for the HyperConverged CR', async () => {
    server.put(HCO_PATH(), { spec: { featureGates: {} } });
    const r = await go({
      target: 'hco',
      namespace: 'kubevirt-hyperconverged',
      name: 'kubevirt-hyperconverged',
      want: gates(['HyperVL1VH']),
    });
    expect(r.warnings).toEqual([
      "KubeVirt kubevirt-hyperconverged/kubevirt-kubevirt-hyperconverged (generated by HCO) not found; only the HyperConverged CR's own readiness was waited for",
    ]);
  });
});

describe('cdi and resource targets', () => {
  it('finishes the default wait against CDI, which reports no observedGeneration, once CDIConfig has the gates', async () => {
    server.put(CDI_PATH(), { spec: { config: { featureGates: ['HonorWaitForFirstConsumer'] } } });
    const r = await go({ target: 'cdi', name: 'cdi', want: gates(['DataVolumeClaimAdoption']) });
    expect(r.readiness?.ready).toBe(true);
    expect(
      (server.get(CDI_PATH()).status as Record<string, unknown>).observedGeneration,
    ).toBeUndefined();
    expect(server.get(CDI_CONFIG_PATH).spec).toEqual({
      featureGates: ['HonorWaitForFirstConsumer', 'DataVolumeClaimAdoption'],
    });
  });

  it('keeps waiting while CDI has not put the gates into CDIConfig', async () => {
    server.put(CDI_PATH(), { spec: { config: {} } });
    server.operator.mode = 'stuck';
    await expect(
      go({ target: 'cdi', name: 'cdi', want: gates(['DataVolumeClaimAdoption']), timeoutMs: 500 }),
    ).rejects.toThrow(
      /CDI cdi did not take the change within 500ms: Progressing=True \(Reconciling\)/,
    );
    server.reset();
    server.put(CDI_PATH(), { spec: { config: {} } });
    server.operator.progressMs = 100_000;
    await expect(
      go({ target: 'cdi', name: 'cdi', want: gates(['DataVolumeClaimAdoption']), timeoutMs: 500 }),
    ).rejects.toThrow(
      'CDI cdi did not take the change within 500ms: CDIConfig config does not list DataVolumeClaimAdoption yet',
    );
  });

  it('names a CRD that is not installed as such', async () => {
    server.uninstall('cdis.cdi.kubevirt.io');
    await expect(go({ target: 'cdi', name: 'cdi', want: gates(['X']) })).rejects.toThrow(
      'CDI cdi: the API server does not serve cdis.cdi.kubevirt.io (cdi.kubevirt.io/v1beta1): its CustomResourceDefinition is not installed, or not at this version (GET /apis/cdi.kubevirt.io/v1beta1/cdis/cdi: the server could not find the requested resource)',
    );
  });

  it('sets spec.config.featureGates on the cluster-scoped CDI CR', async () => {
    server.put(CDI_PATH(), { spec: { config: { featureGates: ['HonorWaitForFirstConsumer'] } } });
    const r = await go({
      target: 'cdi',
      namespace: '',
      name: 'cdi',
      want: gates(['DataVolumeClaimAdoption'], ['HonorWaitForFirstConsumer']),
    });
    expect((server.get(CDI_PATH()).spec as { config: object }).config).toEqual({
      featureGates: ['DataVolumeClaimAdoption'],
    });
    expect(r.readiness?.ready).toBe(true);
  });

  it('edits a name→bool map, a name list and an A=true,B=false string at a pointer', async () => {
    const base = '/apis/example.io/v1/namespaces/demo/widgets';
    server.put(`${base}/map`, { spec: { gates: { Old: true } } }, false);
    server.put(`${base}/list`, { spec: { gates: ['Old'] } }, false);
    server.put(
      '/api/v1/namespaces/demo/configmaps/flags',
      { data: { 'feature-gates': 'Old=true,Other=false' } },
      false,
    );
    const want = gates(['New'], ['Old']);
    const m = await go({
      target: 'resource',
      resourcePath: `${base}/map`,
      pointer: '/spec/gates',
      want,
    });
    const l = await go({
      target: 'resource',
      resourcePath: `${base}/list`,
      pointer: '/spec/gates',
      want,
    });
    const s = await go({
      target: 'resource',
      resourcePath: '/api/v1/namespaces/demo/configmaps/flags',
      pointer: '/data/feature-gates',
      want,
    });
    expect(server.get(`${base}/map`).spec).toEqual({ gates: { Old: false, New: true } });
    expect(server.get(`${base}/list`).spec).toEqual({ gates: ['New'] });
    expect(server.get('/api/v1/namespaces/demo/configmaps/flags').data).toEqual({
      'feature-gates': 'Old=false,Other=false,New=true',
    });
    expect([m.changed, l.changed, s.changed]).toEqual([true, true, true]);
    expect(s.warnings).toEqual([
      '/api/v1/namespaces/demo/configmaps/flags reports no Available/Progressing/Degraded conditions; the change was not waited for',
    ]);
  });
});

describe('what the step hands back', () => {
  it("masks the kubeconfig's secrets before any progress line, and returns them to mask", async () => {
    seedKubeVirt();
    server.faults.push({ method: 'GET', status: 503 });
    const events: string[] = [];
    const deps = testDeps({
      mask: (s) => void events.push(`mask ${s}`),
      log: { ...silentLog, info: (line) => void events.push(`log ${line}`) },
    });
    const outcome = await run(options({ kubeconfig, want: gates(['HyperVL1VH']) }), deps);
    expect(outcome.failure).toBeUndefined();
    expect(events[0]).toBe('mask secret-token-123');
    expect(events.some((e) => e.startsWith('log retry 1'))).toBe(true);
    expect(outcome.secrets).toEqual(['secret-token-123']);
  });

  it('saves what the post step needs and no secret; the post step needs nothing else', async () => {
    seedKubeVirt();
    const outcome = await run(
      options({ kubeconfig, restore: true, want: gates(['HyperVL1VH']) }),
      testDeps(),
    );
    expect(outcome.state).toEqual({
      kind: 'live',
      target: 'kubevirt',
      connection: { kind: 'kubeconfig', file: kubeconfig, context: 'test' },
      path: KUBEVIRT_PATH(),
      object: 'KubeVirt kubevirt/kubevirt',
      previous: { '/spec/configuration/developerConfiguration/featureGates': ['DataVolumes'] },
      set: {
        '/spec/configuration/developerConfiguration/featureGates': ['DataVolumes', 'HyperVL1VH'],
      },
      pointers: expect.arrayContaining([
        '/spec/configuration/developerConfiguration/featureGates',
      ]) as unknown,
      wait: true,
      timeoutMs: 10_000,
    });
    const saved = JSON.stringify(outcome.state);
    expect(saved).not.toContain('secret-token-123');
    // As the runner hands it back: text, checked field by field.
    const post = await restore(parseState(JSON.parse(saved)), testDeps());
    expect(post.failure).toBeUndefined();
    expect(post.notes?.[0]).toMatch(
      /^KubeVirt kubevirt\/kubevirt: previous configuration put back \(\/spec\/configuration\/developerConfiguration\/featureGates/,
    );
    expect(post.secrets).toEqual(['secret-token-123']);
    expect(dev()).toEqual({ featureGates: ['DataVolumes'] });
  });

  it('returns the change, its summary and the state when the wait fails after it', async () => {
    seedKubeVirt();
    server.operator.mode = 'stuck';
    const outcome = await run(
      options({ kubeconfig, restore: true, timeoutMs: 300, want: gates(['HyperVL1VH']) }),
      testDeps(),
    );
    expect(outcome.failure?.message).toMatch(
      /^KubeVirt kubevirt\/kubevirt did not take the change within 300ms/,
    );
    expect(outcome.outputs.changed).toBe('true');
    expect(outcome.summary).toContain('❌ KubeVirt kubevirt/kubevirt did not take the change');
    expect(outcome.state?.kind).toBe('live');
    expect(outcome.result?.changed).toBe(true);
  });

  it('fails before any change with the one line and nothing to restore', async () => {
    const outcome = await run(
      options({ kubeconfig, restore: true, namespace: 'kv', want: gates(['HyperVL1VH']) }),
      testDeps(),
    );
    expect(outcome.failure?.message).toMatch(/^KubeVirt kv\/kubevirt not found/);
    expect(outcome.state).toBeUndefined();
    expect(outcome.summary).toBeUndefined();
    expect(outcome.secrets).toEqual(['secret-token-123']);
  });
});
