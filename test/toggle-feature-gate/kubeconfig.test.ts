import { describe, expect, it } from '@jest/globals';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import {
  connectionSecrets,
  loadConnection,
  reloadConnection,
} from '../../actions/toggle-feature-gate/kubeconfig.js';
import { tmpDir } from './support/helpers.js';

function config(user: Record<string, unknown>, cluster: Record<string, unknown> = {}) {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'ci',
    clusters: [{ name: 'c', cluster: { server: 'https://10.0.0.1:6443/', ...cluster } }],
    users: [{ name: 'u', user }],
    contexts: [
      { name: 'other', context: { cluster: 'missing', user: 'u' } },
      { name: 'ci', context: { cluster: 'c', user: 'u' } },
    ],
  });
}

describe('kubeconfig', () => {
  it('reads the current context: server, token file, client cert data, CA file', () => {
    const dir = tmpDir('tfg-kc-');
    writeFileSync(path.join(dir, 'token'), 'tok-123\n');
    writeFileSync(path.join(dir, 'ca.crt'), 'CA PEM');
    writeFileSync(
      path.join(dir, 'config'),
      config(
        {
          tokenFile: 'token',
          'client-certificate-data': Buffer.from('CERT').toString('base64'),
          'client-key-data': Buffer.from('KEY-PEM').toString('base64'),
        },
        { 'certificate-authority': 'ca.crt' },
      ),
    );
    const c = loadConnection('config', {}, dir);
    expect(c).toMatchObject({
      server: 'https://10.0.0.1:6443',
      token: 'tok-123',
      insecureSkipTlsVerify: false,
    });
    expect(c.ca?.toString()).toBe('CA PEM');
    expect(c.cert?.toString()).toBe('CERT');
    expect(connectionSecrets(c)).toEqual(
      expect.arrayContaining(['tok-123', 'KEY-PEM', Buffer.from('KEY-PEM').toString('base64')]),
    );
  });

  it('falls back to $KUBECONFIG, then ~/.kube/config, then the service account', () => {
    const dir = tmpDir('tfg-kc-');
    writeFileSync(path.join(dir, 'a'), config({ token: 'from-env' }));
    expect(
      loadConnection(undefined, { KUBECONFIG: `${dir}/missing:${dir}/a`, HOME: dir }, dir).token,
    ).toBe('from-env');
    mkdirSync(path.join(dir, '.kube'));
    writeFileSync(path.join(dir, '.kube', 'config'), config({ token: 'from-home' }));
    expect(loadConnection(undefined, { HOME: dir }, dir).token).toBe('from-home');
    const sa = path.join(dir, 'sa');
    mkdirSync(sa);
    writeFileSync(path.join(sa, 'token'), 'sa-token');
    const empty = tmpDir('tfg-kc-');
    expect(
      loadConnection(
        undefined,
        { HOME: empty, KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' },
        empty,
        sa,
      ),
    ).toMatchObject({ server: 'https://10.96.0.1:443', token: 'sa-token' });
    expect(() => loadConnection(undefined, { HOME: empty }, empty, sa)).toThrow(
      'no Kubernetes connection: give input "kubeconfig", set KUBECONFIG, or run in a cluster',
    );
  });

  it('names what it cannot use in one line', () => {
    const dir = tmpDir('tfg-kc-');
    writeFileSync(path.join(dir, 'ap'), config({ 'auth-provider': { name: 'gcp' } }));
    expect(() => loadConnection('ap', {}, dir)).toThrow(
      `${path.join(dir, 'ap')}: user "u" authenticates through an auth-provider plugin, which kubectl itself no longer runs; use an exec credential plugin, a token or a client certificate`,
    );
    expect(() => loadConnection('nope', {}, dir)).toThrow(
      'input "kubeconfig": "nope" does not exist',
    );
    writeFileSync(path.join(dir, 'noctx'), 'apiVersion: v1\nkind: Config\n');
    expect(() => loadConnection('noctx', {}, dir)).toThrow('no current-context');
  });

  it('merges the files of $KUBECONFIG as kubectl does: the first to set a key wins', () => {
    const dir = tmpDir('tfg-kc-');
    mkdirSync(path.join(dir, 'b'));
    // a: no current-context; its user "u" has a token; its cluster "c" is the one used.
    writeFileSync(
      path.join(dir, 'a'),
      stringify({
        clusters: [{ name: 'c', cluster: { server: 'https://a.example:6443' } }],
        users: [{ name: 'u', user: { token: 'from-a' } }],
        contexts: [{ name: 'ci', context: { cluster: 'c', user: 'u' } }],
      }),
    );
    // b: sets current-context, redefines "u" (with a client cert a lacks: not taken either)
    // and "c", and adds a context of its own whose CA path is relative to b's folder.
    writeFileSync(path.join(dir, 'b', 'ca.crt'), 'B CA');
    writeFileSync(
      path.join(dir, 'b', 'config'),
      stringify({
        'current-context': 'ci',
        clusters: [
          { name: 'c', cluster: { server: 'https://b.example:6443' } },
          {
            name: 'bc',
            cluster: { server: 'https://bc.example', 'certificate-authority': 'ca.crt' },
          },
        ],
        users: [
          {
            name: 'u',
            user: {
              token: 'from-b',
              'client-certificate-data': Buffer.from('C').toString('base64'),
            },
          },
        ],
        contexts: [
          { name: 'ci', context: { cluster: 'bc', user: 'u' } },
          { name: 'only-b', context: { cluster: 'bc', user: 'u' } },
        ],
      }),
    );
    const env = {
      KUBECONFIG: [
        path.join(dir, 'missing'),
        path.join(dir, 'a'),
        '',
        path.join(dir, 'b', 'config'),
      ].join(path.delimiter),
      HOME: dir,
    };
    const c = loadConnection(undefined, env, dir);
    expect(c).toMatchObject({ server: 'https://a.example:6443', token: 'from-a' });
    expect(c.cert).toBeUndefined();
    expect(c.ref).toEqual({
      kind: 'kubeconfig',
      file: path.join(dir, 'a'),
      context: 'ci',
      files: [path.join(dir, 'a'), path.join(dir, 'b', 'config')],
    });
    const b = reloadConnection({ ...c.ref, context: 'only-b' } as typeof c.ref, {});
    expect(b.server).toBe('https://bc.example');
    expect(b.ca?.toString()).toBe('B CA');
    expect(b.token).toBe('from-a');
  });

  it('uses no ~/.kube/config when $KUBECONFIG is set, as kubectl', () => {
    const dir = tmpDir('tfg-kc-');
    mkdirSync(path.join(dir, '.kube'));
    writeFileSync(path.join(dir, '.kube', 'config'), config({ token: 'from-home' }));
    expect(() =>
      loadConnection(undefined, { KUBECONFIG: path.join(dir, 'missing'), HOME: dir }, dir),
    ).toThrow('no Kubernetes connection');
  });

  it('loads again the file and context the main step used, whatever is current now', () => {
    const dir = tmpDir('tfg-kc-');
    const file = path.join(dir, 'config');
    writeFileSync(file, config({ token: 'tok' }));
    const first = loadConnection('config', {}, dir);
    // Someone switches the current context between main and post.
    writeFileSync(
      file,
      config({ token: 'tok' }).replace('current-context: ci', 'current-context: other'),
    );
    expect(reloadConnection(first.ref, {})).toMatchObject({
      server: 'https://10.0.0.1:6443',
      token: 'tok',
    });
    expect(() =>
      reloadConnection({ ...first.ref, file: path.join(dir, 'gone') } as typeof first.ref, {}),
    ).toThrow(`${path.join(dir, 'gone')}: the kubeconfig the main step used no longer exists`);
    expect(() => reloadConnection({ kind: 'in-cluster' }, {}, path.join(dir, 'sa'))).toThrow(
      'the main step used the in-cluster service account, which this step cannot find',
    );
  });
});
