import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCredentialsInput } from '../../actions/promote-digest/credentials.js';
import { promote } from '../../actions/promote-digest/promote.js';
import { sha, writeImage } from './support/images.js';
import { deps, options } from './support/options.js';
import {
  type RegistryHandle,
  type TokenServer,
  inspectRaw,
  skopeoPush,
  startRegistry,
  startTokenServer,
} from './support/registry.js';
import { requireTools } from '../support/tools.js';
import { silentLog } from '../../shared/action/log.js';
import { startProxy } from './support/proxy.js';

requireTools('docker-registry', 'skopeo', 'htpasswd', 'openssl');

// docker-registry with htpasswd (bcrypt) basic auth, and with token auth trusting a test token
// server that signs JWTs as the Docker token spec describes.
let basic: RegistryHandle;
let tokenReg: RegistryHandle;
let tokens: TokenServer;
let work: string;
let digest: string;
const masked: string[] = [];
const creds = (host: string) =>
  parseCredentialsInput(`${host}=ci:s3cret-pass`, (s) => masked.push(s));

beforeAll(async () => {
  tokens = await startTokenServer('ci', 's3cret-pass');
  [basic, tokenReg] = await Promise.all([
    startRegistry({ basic: { user: 'ci', password: 's3cret-pass' } }),
    startRegistry({
      token: {
        realm: tokens.realm,
        certFile: (tokens as TokenServer & { certFile: string }).certFile,
      },
    }),
  ]);
  work = mkdtempSync(path.join(os.tmpdir(), 'pd-auth-'));
  const layout = path.join(work, 'img');
  digest = writeImage(layout, { layers: [50_000, 1000], tag: 'v1' }).digest;
  await skopeoPush(layout, 'v1', `${basic.host}/app:dev`, 'ci:s3cret-pass');
  await skopeoPush(layout, 'v1', `${tokenReg.host}/app:dev`, 'ci:s3cret-pass');
});

afterAll(async () => {
  await Promise.all([basic?.stop(), tokenReg?.stop(), tokens?.stop()]);
});

describe('registry authentication', () => {
  it('logs in with basic auth and masks the secrets', async () => {
    masked.length = 0;
    const r = await promote(
      options(work, {
        source: `${basic.host}/app:dev`,
        credentials: creds(basic.host),
        targets: [`${basic.host}/other:test-kvm`],
      }),
      deps(),
    );
    expect(r.digest).toBe(digest);
    expect(r.stats.blobsMounted).toBe(3);
    expect(sha(await inspectRaw(`${basic.host}/other:test-kvm`, 'ci:s3cret-pass'))).toBe(digest);
    expect(masked).toContain('s3cret-pass');
  });

  it('fails one clear line without credentials, and with wrong ones', async () => {
    await expect(
      promote(options(work, { source: `${basic.host}/app:dev`, targets: [':x'] }), deps()),
    ).rejects.toThrow(
      `registry ${basic.host} asks for a login; give credentials (input "credentials" or docker/login-action)`,
    );
    const wrong = parseCredentialsInput(`${basic.host}=ci:nope`, () => undefined);
    await expect(
      promote(
        options(work, { source: `${basic.host}/app:dev`, credentials: wrong, targets: [':x'] }),
        deps(),
      ),
    ).rejects.toThrow(`registry ${basic.host}: GET /v2/app/manifests/dev was refused (HTTP 401)`);
  });

  it('exchanges Bearer tokens for the scopes each call needs, mounting across repositories', async () => {
    tokens.requests.length = 0;
    const r = await promote(
      options(work, {
        source: `${tokenReg.host}/app:dev`,
        credentials: creds(tokenReg.host),
        targets: [`${tokenReg.host}/team/app:test-kvm`],
      }),
      deps(),
    );
    expect(r.stats.blobsMounted).toBe(3);
    expect(sha(await inspectRaw(`${tokenReg.host}/team/app:test-kvm`, 'ci:s3cret-pass'))).toBe(
      digest,
    );
    const asked = tokens.requests.map((s) => [...s].sort().join(' '));
    expect(asked).toContain('repository:app:pull');
    expect(asked).toContain('repository:app:pull repository:team/app:pull,push');
    // Tokens are cached per scope set: a handful of exchanges, not one per request.
    expect(tokens.requests.length).toBeLessThan(r.stats.requests / 2);
  });

  it('exchanges a Docker config identitytoken (OAuth2 refresh token) for access tokens', async () => {
    const seen: string[] = [];
    const config = JSON.stringify({
      auths: { [tokenReg.host]: { identitytoken: 'refresh-s3cret-pass' } },
    });
    const r = await promote(
      options(work, {
        source: `${tokenReg.host}/app:dev`,
        credentials: parseCredentialsInput(config, (s) => seen.push(s)),
        targets: [':oauth'],
      }),
      deps(),
    );
    expect(r.targets[0].status).toBe('created');
    expect(seen).toContain('refresh-s3cret-pass');
    expect(sha(await inspectRaw(`${tokenReg.host}/app:oauth`, 'ci:s3cret-pass'))).toBe(digest);
  });

  it('copies the blob when the token for a mount does not cover the source repository', async () => {
    tokens.singleRepository = true;
    try {
      const r = await promote(
        options(work, {
          source: `${tokenReg.host}/app:dev`,
          credentials: creds(tokenReg.host),
          targets: [`${tokenReg.host}/narrow/app:test-kvm`],
        }),
        deps(),
      );
      expect(r.stats.blobsMounted).toBe(0);
      expect(r.stats.blobsCopied).toBe(3);
      expect(sha(await inspectRaw(`${tokenReg.host}/narrow/app:test-kvm`, 'ci:s3cret-pass'))).toBe(
        digest,
      );
    } finally {
      tokens.singleRepository = false;
    }
  });

  it('anonymous pull tokens cannot push: the refusal names the registry', async () => {
    await expect(
      promote(
        options(work, { source: `${tokenReg.host}/app:dev`, targets: [`${tokenReg.host}/anon:x`] }),
        deps(),
      ),
    ).rejects.toThrow(`registry ${tokenReg.host}: `);
  });

  it('cancels a broken upload with a delete-scoped token, and says so when the login may not delete', async () => {
    const proxy = await startProxy(tokenReg.host);
    try {
      for (const [repo, withhold] of [
        ['cancel/app', []],
        ['nodelete/app', ['delete']],
      ] as const) {
        tokens.requests.length = 0;
        tokens.withhold.splice(0, tokens.withhold.length, ...withhold);
        proxy.faults.push({
          match: (m, p) => m === 'PUT' && p.includes('/blobs/uploads/'),
          times: 1,
          action: { status: 500 },
        });
        const lines: string[] = [];
        const r = await promote(
          options(work, {
            source: 'oci:img:v1',
            credentials: creds(proxy.host),
            targets: [`${proxy.host}/${repo}:t`],
          }),
          deps({ log: { ...silentLog, info: (l: string) => void lines.push(l) } }),
        );
        expect(r.targets[0].status).toBe('created');
        expect(tokens.requests).toContainEqual([`repository:${repo}:delete`]);
        const refused = lines.filter((l) => l.includes('cancelling upload'));
        if (withhold.length) {
          expect(refused).toEqual([
            expect.stringMatching(
              new RegExp(
                `^${proxy.host}/${repo}: cancelling upload /v2/${repo}/blobs/uploads/\\S+ failed \\(registry ${proxy.host}: DELETE /v2/${repo}/blobs/uploads/\\S+ was refused \\(HTTP 401\\)`,
              ),
            ),
          ]);
        } else {
          expect(refused).toEqual([]);
        }
      }
    } finally {
      tokens.withhold.length = 0;
      await proxy.stop();
    }
  });
});
