import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { CRDS } from './support/crd-schema.js';
import {
  CDI_CONFIG_PATH,
  CDI_PATH,
  FakeApiServer,
  HCO_PATH,
  KUBEVIRT_PATH,
  kubevirtDeprecationWarning,
} from './support/fake-apiserver.js';
import { PatchError, applyJsonPatch, type Op } from './support/json-patch-v4.js';
import { FIXTURES } from './support/helpers.js';

// The in-test API server is only worth what its likeness to kube-apiserver is worth: these
// checks pin the behaviours the action's tests rely on (API conventions: Status bodies,
// resourceVersion/generation, patch media types, preconditions).

const server = new FakeApiServer();
beforeAll(() => server.start());
afterAll(() => server.stop());
beforeEach(() => {
  server.reset();
  server.put(KUBEVIRT_PATH(), {
    spec: { configuration: { developerConfiguration: { featureGates: ['A'] } } },
  });
});

interface Body {
  metadata: { generation?: number; resourceVersion?: string; [k: string]: unknown };
  status: { observedGeneration?: number };
  message?: string;
  [k: string]: unknown;
}

async function call(method: string, path: string, body?: unknown, contentType?: string) {
  const res = await fetch(server.url + path, {
    method,
    headers: contentType ? { 'content-type': contentType } : {},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const json = res.headers.get('content-type')?.startsWith('application/json');
  return {
    status: res.status,
    body: (json ? JSON.parse(text) : text) as Body,
    warning: res.headers.get('warning'),
  };
}

const JSON_PATCH = 'application/json-patch+json';

interface Case {
  name: string;
  doc: unknown;
  patch: Op[];
  result?: unknown;
  error?: string;
}
const CASES = (
  JSON.parse(readFileSync(path.join(FIXTURES, 'json-patch-v4-cases.json'), 'utf8')) as {
    cases: Case[];
  }
).cases;

describe('fake kube-apiserver', () => {
  it('answers a missing object with a NotFound Status', async () => {
    const r = await call('GET', KUBEVIRT_PATH('kubevirt', 'nope'));
    expect({ status: r.status, body: r.body }).toEqual({
      status: 404,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'kubevirts.kubevirt.io "nope" not found',
        reason: 'NotFound',
        details: { name: 'nope', group: 'kubevirt.io', kind: 'kubevirts' },
        code: 404,
      },
    });
  });

  it('bumps resourceVersion on every change and generation only on spec changes', async () => {
    // The operator loop would observe the new generation (a status write) 40 ms after the spec
    // change; on a loaded machine that lands between these requests. Keep it out of this test.
    server.operator.progressMs = 60_000;
    const before = (await call('GET', KUBEVIRT_PATH())).body;
    const meta = await call(
      'PATCH',
      KUBEVIRT_PATH(),
      { metadata: { annotations: { a: 'b' } } },
      'application/merge-patch+json',
    );
    expect(meta.body.metadata.generation).toBe(1);
    expect(meta.body.metadata.resourceVersion).not.toBe(before.metadata.resourceVersion);
    const spec = await call(
      'PATCH',
      KUBEVIRT_PATH(),
      [{ op: 'add', path: '/spec/imagePullPolicy', value: 'Always' }],
      'application/json-patch+json',
    );
    expect(spec.body.metadata.generation).toBe(2);
    const same = await call(
      'PATCH',
      KUBEVIRT_PATH(),
      [{ op: 'add', path: '/spec/imagePullPolicy', value: 'Always' }],
      'application/json-patch+json',
    );
    expect(same.body.metadata.resourceVersion).toBe(spec.body.metadata.resourceVersion);
    // status is the status subresource's: a write to the main resource cannot change it.
    const st = await call(
      'PATCH',
      KUBEVIRT_PATH(),
      { status: { observedGeneration: 99 } },
      'application/merge-patch+json',
    );
    expect(st.body.status.observedGeneration).toBe(1);
  });

  it('refuses a failed JSON-patch test with 422 and a stale precondition with 409', async () => {
    const t = await call(
      'PATCH',
      KUBEVIRT_PATH(),
      [{ op: 'test', path: '/metadata/generation', value: 7 }],
      'application/json-patch+json',
    );
    expect(t.status).toBe(422);
    expect(t.body).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422 });
    const m = await call(
      'PATCH',
      KUBEVIRT_PATH(),
      { metadata: { resourceVersion: '1' }, spec: { y: 1 } },
      'application/merge-patch+json',
    );
    expect(m.status).toBe(409);
    expect(m.body.message).toBe(
      'Operation cannot be fulfilled on kubevirts.kubevirt.io "kubevirt": the object has been modified; please apply your changes to the latest version and try again',
    );
    const cur = (await call('GET', KUBEVIRT_PATH())).body;
    const { resourceVersion: _rv, ...noRv } = cur.metadata;
    expect((await call('PUT', KUBEVIRT_PATH(), { ...cur, metadata: noRv })).status).toBe(422);
    expect(
      (
        await call('PUT', KUBEVIRT_PATH(), {
          ...cur,
          metadata: { ...cur.metadata, resourceVersion: '1' },
        })
      ).status,
    ).toBe(409);
    const ok = await call('PUT', KUBEVIRT_PATH(), { ...cur, spec: { imagePullPolicy: 'Never' } });
    expect(ok.status).toBe(200);
    expect(ok.body.metadata.generation).toBe(2);
    expect(
      (await call('PATCH', KUBEVIRT_PATH(), { spec: {} }, 'application/strategic-merge-patch+json'))
        .status,
    ).toBe(415);
  });

  it('refuses a gate both enabled and disabled, as KubeVirt does', async () => {
    const r = await call(
      'PATCH',
      KUBEVIRT_PATH(),
      [
        {
          op: 'add',
          path: '/spec/configuration/developerConfiguration/disabledFeatureGates',
          value: ['A'],
        },
      ],
      'application/json-patch+json',
    );
    expect(r.status).toBe(422);
    expect(r.body.message).toBe(
      'admission webhook "kubevirt-update-validator.kubevirt.io" denied the request: feature gate "A" exists on both "FeatureGates" and "DisabledFeatureGates"',
    );
  });
});

describe('JSON patch as evanphx/json-patch v4 applies it (recorded cases)', () => {
  it('holds enough cases to mean something', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    if (c.error !== undefined) {
      expect(() => applyJsonPatch(c.doc, c.patch)).toThrow(new PatchError(c.error));
    } else {
      expect(applyJsonPatch(c.doc, c.patch)).toEqual(c.result);
    }
  });

  it('the server applies the same rules, answering 422 with the library message as the cause', async () => {
    const cm = '/api/v1/namespaces/t/configmaps/case';
    for (const c of CASES) {
      server.put(cm, { x: c.doc } as never, false);
      const under = c.patch.map((o) => ({
        ...o,
        ...(o.path !== undefined ? { path: `/x${o.path}` } : {}),
        ...(o.from !== undefined ? { from: `/x${o.from}` } : {}),
      }));
      const r = await call('PATCH', cm, under, JSON_PATCH);
      if (c.error === undefined) {
        expect([c.name, r.status, (r.body as unknown as { x: unknown }).x]).toEqual([
          c.name,
          200,
          c.result,
        ]);
      } else {
        let expected = '';
        try {
          applyJsonPatch({ x: c.doc }, under);
        } catch (err) {
          expected = (err as Error).message;
        }
        expect([c.name, r.status, r.body]).toEqual([
          c.name,
          422,
          {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message: 'the server rejected our request due to an error in our request',
            reason: 'Invalid',
            details: { causes: [{ reason: 'UnexpectedServerResponse', message: expected }] },
            code: 422,
          },
        ]);
      }
    }
  });

  it('answers 409 to a JSON patch that sets a stale resourceVersion', async () => {
    const r = await call(
      'PATCH',
      KUBEVIRT_PATH(),
      [
        { op: 'replace', path: '/metadata/resourceVersion', value: '1' },
        { op: 'add', path: '/spec/imagePullPolicy', value: 'Always' },
      ],
      JSON_PATCH,
    );
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ reason: 'Conflict', code: 409 });
  });
});

describe('the real CRD schemas', () => {
  it('holds the KubeVirt, CDI and HCO schemas with their scope and subresources', () => {
    expect(
      [...CRDS.values()].map((c) => [
        c.crd,
        c.version,
        c.scope,
        c.subresources.status !== undefined,
      ]),
    ).toEqual(
      expect.arrayContaining([
        ['kubevirts.kubevirt.io', 'v1', 'Namespaced', true],
        ['cdis.cdi.kubevirt.io', 'v1beta1', 'Cluster', false],
        ['hyperconvergeds.hco.kubevirt.io', 'v1beta1', 'Namespaced', true],
      ]),
    );
  });

  it('drops an unknown field with a Warning header, as fieldValidation=Warn does', async () => {
    const r = await call(
      'PATCH',
      KUBEVIRT_PATH(),
      [{ op: 'add', path: '/spec/configuration/developerConfiguration/featureGate', value: ['X'] }],
      JSON_PATCH,
    );
    expect(r.status).toBe(200);
    expect(r.warning).toBe(
      '299 - "unknown field \\"spec.configuration.developerConfiguration.featureGate\\""',
    );
    expect(server.get(KUBEVIRT_PATH()).spec).toEqual({
      configuration: { developerConfiguration: { featureGates: ['A'] } },
    });
  });

  it('refuses a value of the wrong type or outside the enum with field causes', async () => {
    const r = await call(
      'PATCH',
      KUBEVIRT_PATH(),
      [
        { op: 'add', path: '/spec/configuration/hypervisors', value: [{ name: 'xen' }] },
        {
          op: 'add',
          path: '/spec/configuration/developerConfiguration/useEmulation',
          value: 'yes',
        },
      ],
      JSON_PATCH,
    );
    expect(r.status).toBe(422);
    expect(r.body).toMatchObject({
      reason: 'Invalid',
      message:
        'KubeVirt.kubevirt.io "kubevirt" is invalid: [spec.configuration.developerConfiguration.useEmulation: Invalid value: "yes": spec.configuration.developerConfiguration.useEmulation in body must be of type boolean, spec.configuration.hypervisors[0].name: Unsupported value: "xen": supported values: "kvm", "hyperv-direct"]',
      details: {
        causes: [
          {
            reason: 'FieldValueInvalid',
            field: 'spec.configuration.developerConfiguration.useEmulation',
          },
          { reason: 'FieldValueNotSupported', field: 'spec.configuration.hypervisors[0].name' },
        ],
      },
    });
  });

  it('fails a test that seeds an object with a wrong field name', () => {
    expect(() =>
      server.put(CDI_PATH(), { spec: { configuration: { featureGates: ['X'] } } }),
    ).toThrow('CDI cdi: not valid for cdis.cdi.kubevirt.io: unknown field "spec.configuration"');
  });
});

describe('what the real servers and operators report', () => {
  it('CDI reports phase and conditions but no observedGeneration, and keeps status writes (no status subresource)', async () => {
    server.put(CDI_PATH(), { spec: { config: { featureGates: ['A'] } } });
    const st = server.get(CDI_PATH()).status as Record<string, unknown>;
    expect(st.observedGeneration).toBeUndefined();
    expect(st.phase).toBe('Deployed');
    expect(server.get(CDI_CONFIG_PATH).spec).toEqual({ featureGates: ['A'] });
    server.operator.progressMs = 60_000;
    const r = await call(
      'PATCH',
      CDI_PATH(),
      { status: { phase: 'Error' } },
      'application/merge-patch+json',
    );
    expect((r.body.status as { phase?: string }).phase).toBe('Error');
    expect(r.body.metadata.generation).toBe(2);
  });

  it("CDI's operator writes status through the main resource, so its status writes move the generation", async () => {
    server.operator.settleMs = 10;
    server.put(CDI_PATH(), { spec: { config: {} } });
    await call(
      'PATCH',
      CDI_PATH(),
      { spec: { config: { featureGates: ['A'] } } },
      'application/merge-patch+json',
    );
    // spec change (2), then Progressing=True (3) and settled (4).
    while (
      (server.get(CDI_PATH()).status?.conditions as Array<{ type: string; status: string }>).some(
        (c) => c.type === 'Progressing' && c.status === 'True',
      ) ||
      server.get(CDI_PATH()).metadata.generation === 2
    ) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(server.get(CDI_PATH()).metadata.generation).toBe(4);
  });

  it('HCO reports observedGeneration and metav1 conditions', () => {
    server.put(HCO_PATH(), { spec: {} });
    const st = server.get(HCO_PATH()).status as {
      observedGeneration: number;
      conditions: Array<Record<string, unknown>>;
    };
    expect(st.observedGeneration).toBe(1);
    expect(st.conditions.every((c) => c.observedGeneration === 1 && c.lastTransitionTime)).toBe(
      true,
    );
  });

  it('answers a resource whose CRD is not installed with the mux 404, not a Status', async () => {
    server.uninstall('cdis.cdi.kubevirt.io');
    const r = await call('GET', CDI_PATH());
    expect([r.status, r.body]).toEqual([404, '404 page not found\n']);
  });

  it('answers an RBAC denial with the authorizer message', async () => {
    server.forbid.push({ verb: 'patch' });
    const r = await call('PATCH', KUBEVIRT_PATH(), [], JSON_PATCH);
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({
      reason: 'Forbidden',
      message:
        'kubevirts.kubevirt.io "kubevirt" is forbidden: User "system:serviceaccount:ci:runner" cannot patch resource "kubevirts" in API group "kubevirt.io" in the namespace "kubevirt"',
      details: { name: 'kubevirt', group: 'kubevirt.io', kind: 'kubevirts' },
    });
  });

  it("KubeVirt's components report the configuration they run on /healthz through the pod proxy", async () => {
    const pods = await call(
      'GET',
      '/api/v1/namespaces/kubevirt/pods?labelSelector=kubevirt.io%3Dvirt-handler',
    );
    const items = (pods.body as unknown as { items: Array<{ metadata: { name: string } }> }).items;
    expect(items.map((p) => p.metadata.name)).toEqual(['virt-handler-7d9f8']);
    const rv = server.get(KUBEVIRT_PATH()).metadata.resourceVersion;
    const h = await call(
      'GET',
      '/api/v1/namespaces/kubevirt/pods/https:virt-handler-7d9f8:8443/proxy/healthz',
    );
    expect(h.body['config-resource-version']).toBe(rv);
  });

  it("KubeVirt's webhook warns about a deprecated gate in a Warning header", async () => {
    server.kubevirtGateStates = { LiveMigration: 'General Availability' };
    const r = await call(
      'PATCH',
      KUBEVIRT_PATH(),
      [
        {
          op: 'add',
          path: '/spec/configuration/developerConfiguration/featureGates/-',
          value: 'LiveMigration',
        },
      ],
      JSON_PATCH,
    );
    expect(r.status).toBe(200);
    expect(r.warning).toBe(
      `299 - ${JSON.stringify(kubevirtDeprecationWarning('LiveMigration', 'General Availability'))}`,
    );
  });

  it('an operator that refuses answers through its admission webhook', async () => {
    server.operator.mode = 'refuse';
    const r = await call(
      'PATCH',
      KUBEVIRT_PATH(),
      [{ op: 'add', path: '/spec/imagePullPolicy', value: 'Always' }],
      JSON_PATCH,
    );
    expect(r.status).toBe(422);
    expect(r.body.message).toBe(
      'admission webhook "kubevirt-update-validator.kubevirt.io" denied the request: the operator refuses this configuration',
    );
  });
});
