import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { FakeApiServer, KUBEVIRT_PATH } from './support/fake-apiserver.js';

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
  return { status: res.status, body: (await res.json()) as Body };
}

describe('fake kube-apiserver', () => {
  it('answers a missing object with a NotFound Status', async () => {
    const r = await call('GET', KUBEVIRT_PATH('kubevirt', 'nope'));
    expect(r).toEqual({
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
      [{ op: 'add', path: '/spec/x', value: 1 }],
      'application/json-patch+json',
    );
    expect(spec.body.metadata.generation).toBe(2);
    const same = await call(
      'PATCH',
      KUBEVIRT_PATH(),
      [{ op: 'add', path: '/spec/x', value: 1 }],
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
    const ok = await call('PUT', KUBEVIRT_PATH(), { ...cur, spec: { z: 1 } });
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
  });
});
