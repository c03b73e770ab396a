import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadConnection } from '../../actions/toggle-feature-gate/kubeconfig.js';
import { run } from '../../actions/toggle-feature-gate/toggle-feature-gate.js';
import { FakeApiServer, KUBEVIRT_PATH } from './support/fake-apiserver.js';
import { options, testDeps, tmpDir } from './support/helpers.js';

// Exec credential plugins, run for real: a small Node program stands in for kubelogin or
// `aws eks get-token`, speaking the client.authentication.k8s.io ExecCredential protocol. It
// records each call (its argv and KUBERNETES_EXEC_INFO) and prints the token in its folder.
const PLUGIN = `
const fs = require('fs');
const path = require('path');
const dir = path.dirname(process.argv[1]);
const calls = path.join(dir, 'calls.json');
const seen = fs.existsSync(calls) ? JSON.parse(fs.readFileSync(calls, 'utf8')) : [];
seen.push({ argv: process.argv.slice(2), info: JSON.parse(process.env.KUBERNETES_EXEC_INFO), extra: process.env.PLUGIN_EXTRA });
fs.writeFileSync(calls, JSON.stringify(seen));
// out.json: one answer, or a list answered in turn (the last one from then on).
const outs = [].concat(JSON.parse(fs.readFileSync(path.join(dir, 'out.json'), 'utf8')));
const out = outs[Math.min(seen.length - 1, outs.length - 1)];
if (out.fail) { process.stderr.write('login failed: AADSTS700016\\n'); process.exit(3); }
process.stdout.write(JSON.stringify(out));
`;

function pluginDir(out: unknown): string {
  const dir = tmpDir('tfg-exec-');
  writeFileSync(path.join(dir, 'plugin.cjs'), PLUGIN);
  writeFileSync(path.join(dir, 'out.json'), JSON.stringify(out));
  return dir;
}

const cred = (status: Record<string, unknown>, apiVersion = 'client.authentication.k8s.io/v1') => ({
  apiVersion,
  kind: 'ExecCredential',
  status,
});

function kubeconfig(dir: string, server: string, exec: Record<string, unknown>): string {
  const file = path.join(dir, 'kubeconfig');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'aks',
      clusters: [{ name: 'aks', cluster: { server } }],
      users: [
        {
          name: 'ci',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              command: process.execPath,
              args: [path.join(dir, 'plugin.cjs'), 'get-token', '--server-id', 'a b;$(id)'],
              env: [{ name: 'PLUGIN_EXTRA', value: 'x' }],
              interactiveMode: 'IfAvailable',
              provideClusterInfo: true,
              ...exec,
            },
          },
        },
      ],
      contexts: [{ name: 'aks', context: { cluster: 'aks', user: 'ci' } }],
    }),
  );
  return file;
}

const calls = (dir: string) =>
  JSON.parse(readFileSync(path.join(dir, 'calls.json'), 'utf8')) as Array<{
    argv: string[];
    info: { kind: string; spec: { interactive: boolean; cluster?: { server: string } } };
    extra: string;
  }>;

describe('exec credential plugins', () => {
  it('runs the plugin with its argument array and environment, and uses its token', () => {
    const dir = pluginDir(cred({ token: 'exec-token-1' }));
    const c = loadConnection(kubeconfig(dir, 'https://aks.example:443', {}), {}, dir);
    expect(c.token).toBe('exec-token-1');
    expect(calls(dir)).toEqual([
      {
        argv: ['get-token', '--server-id', 'a b;$(id)'],
        info: {
          apiVersion: 'client.authentication.k8s.io/v1',
          kind: 'ExecCredential',
          spec: { interactive: false, cluster: { server: 'https://aks.example:443' } },
        },
        extra: 'x',
      },
    ]);
  });

  it('keeps the credential until it expires, then runs the plugin again', () => {
    const soon = new Date(Date.now() + 5_000).toISOString();
    const dir = pluginDir(cred({ token: 't', expirationTimestamp: soon }));
    const c = loadConnection(kubeconfig(dir, 'https://aks.example', {}), {}, dir);
    // Within the renewal margin: expired already.
    c.exec?.current();
    expect(calls(dir)).toHaveLength(2);
    writeFileSync(
      path.join(dir, 'out.json'),
      JSON.stringify(
        cred({ token: 't2', expirationTimestamp: new Date(Date.now() + 3_600_000).toISOString() }),
      ),
    );
    expect(c.exec?.current().token).toBe('t2');
    expect(c.exec?.current().token).toBe('t2');
    expect(calls(dir)).toHaveLength(3);
  });

  it('takes a client certificate and key (v1beta1)', () => {
    const dir = pluginDir(
      cred(
        { clientCertificateData: 'CERT PEM', clientKeyData: 'KEY PEM' },
        'client.authentication.k8s.io/v1beta1',
      ),
    );
    const c = loadConnection(
      kubeconfig(dir, 'https://eks.example', {
        apiVersion: 'client.authentication.k8s.io/v1beta1',
      }),
      {},
      dir,
    );
    expect([c.token, c.cert?.toString(), c.key?.toString()]).toEqual([
      undefined,
      'CERT PEM',
      'KEY PEM',
    ]);
  });

  it('names what is wrong with a plugin in one line', () => {
    const dir = pluginDir(cred({ token: 't' }, 'client.authentication.k8s.io/v1beta1'));
    const file = kubeconfig(dir, 'https://aks.example', {});
    const who = `${file}: user "ci": exec plugin "${process.execPath}"`;
    expect(() => loadConnection(file, {}, dir)).toThrow(
      `${who} printed an ExecCredential of "client.authentication.k8s.io/v1beta1", but the kubeconfig asks for client.authentication.k8s.io/v1`,
    );
    writeFileSync(path.join(dir, 'out.json'), JSON.stringify({ fail: true }));
    expect(() => loadConnection(file, {}, dir)).toThrow(
      `${who} failed (exit 3): login failed: AADSTS700016`,
    );
    writeFileSync(path.join(dir, 'out.json'), JSON.stringify(cred({})));
    expect(() => loadConnection(file, {}, dir)).toThrow(
      `${who} printed an ExecCredential with neither a token nor a client certificate and key`,
    );
    const missing = kubeconfig(dir, 'https://aks.example', {
      command: 'kubelogin-not-installed',
      installHint: 'install kubelogin: https://azure.github.io/kubelogin',
    });
    expect(() => loadConnection(missing, { PATH: dir }, dir)).toThrow(
      `${missing}: user "ci": exec plugin "kubelogin-not-installed" not found (install kubelogin: https://azure.github.io/kubelogin)`,
    );
    const tty = kubeconfig(dir, 'https://aks.example', { interactiveMode: 'Always' });
    expect(() => loadConnection(tty, {}, dir)).toThrow('needs an interactive terminal');
  });
});

describe('exec credential plugins against the API server', () => {
  const server = new FakeApiServer();
  beforeAll(() => server.start());
  afterAll(() => server.stop());
  beforeEach(() => server.reset());

  it('runs the plugin again when the server refuses its token, and masks both tokens', async () => {
    server.token = 'fresh-token-2';
    server.put(KUBEVIRT_PATH(), {
      spec: { configuration: { developerConfiguration: { featureGates: [] } } },
    });
    // The plugin's first token has been revoked; the next one it prints is good.
    const dir = pluginDir([cred({ token: 'revoked-token-1' }), cred({ token: 'fresh-token-2' })]);
    const file = kubeconfig(dir, server.url, {});
    const masked: string[] = [];
    const o = options({ kubeconfig: file, want: { gates: { enable: ['NUMA'], disable: [] } } });
    const outcome = await run(o, testDeps({ mask: (s) => void masked.push(s) }));
    expect(outcome.failure).toBeUndefined();
    expect(masked).toEqual(expect.arrayContaining(['revoked-token-1', 'fresh-token-2']));
    expect(outcome.secrets).toEqual(expect.arrayContaining(['revoked-token-1', 'fresh-token-2']));
    expect(server.requests[0]).toMatchObject({
      status: 401,
      authorization: 'Bearer revoked-token-1',
    });
    expect(server.requests[1]).toMatchObject({
      status: 200,
      authorization: 'Bearer fresh-token-2',
    });
  });
});
