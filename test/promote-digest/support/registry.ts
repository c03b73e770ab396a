import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSign, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { selfSignedCert } from '../../support/tls.js';

export const run = promisify(execFile);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RegistryHandle {
  host: string;
  dir: string;
  stop(): Promise<void>;
}

export interface TokenServer {
  realm: string;
  /** Grant access to one repository per token, as some registries do (mounts then fail). */
  singleRepository: boolean;
  /** Scopes asked for, one entry per token request. */
  requests: string[][];
  /** Actions never granted, to anybody (e.g. delete: a login that may push, not delete). */
  withhold: string[];
  stop(): Promise<void>;
}

/**
 * The real docker-registry (distribution 2.8) on loopback with a config of the test's own:
 * anonymous, htpasswd basic auth (bcrypt entry made by `htpasswd -B`), or token auth trusting
 * a test token server's certificate.
 */
export async function startRegistry(
  o: {
    basic?: { user: string; password: string };
    token?: { realm: string; certFile: string };
  } = {},
): Promise<RegistryHandle> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pd-reg-'));
  const port = await freePort();
  let auth = '';
  if (o.basic) {
    const { stdout } = await run('htpasswd', ['-Bbn', o.basic.user, o.basic.password]);
    writeFileSync(path.join(dir, 'htpasswd'), stdout.trim() + '\n');
    auth = `auth: {htpasswd: {realm: basic-realm, path: ${dir}/htpasswd}}`;
  } else if (o.token) {
    auth = `auth: {token: {realm: "${o.token.realm}", service: test-registry, issuer: test-issuer, rootcertbundle: ${o.token.certFile}}}`;
  }
  const config = [
    'version: 0.1',
    'log: {level: error, accesslog: {disabled: true}}',
    `storage: {filesystem: {rootdirectory: ${dir}/data}, delete: {enabled: true}}`,
    `http: {addr: 127.0.0.1:${port}}`,
    auth,
  ].join('\n');
  writeFileSync(path.join(dir, 'config.yml'), config + '\n');
  const child: ChildProcess = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let failed: Error | undefined;
  child.stderr?.on('data', (d) => (stderr += d));
  child.once('error', (e) => (failed = e));
  const exited = new Promise<void>((r) => child.once('close', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null && !failed) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const host = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`http://${host}/v2/`);
      if (res.status === 200 || res.status === 401) break;
    } catch {
      // not listening yet
    }
    if (i > 100 || child.exitCode !== null || failed) {
      await stop();
      throw new Error(`docker-registry did not start: ${failed?.message ?? stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host, dir, stop };
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * A token server as the Docker token spec describes it: GET realm?service=&scope=..., Basic
 * credentials checked, an RS256 JWT whose x5c header carries the certificate the registry
 * trusts (rootcertbundle). Grants every asked action to the known user, pull only to nobody.
 */
export async function startTokenServer(
  user: string,
  password: string,
): Promise<TokenServer & { certFile: string }> {
  const { key, cert: certFile } = selfSignedCert('test-token');
  const keyPem = readFileSync(key, 'utf8');
  const der = new X509Certificate(readFileSync(certFile)).raw;
  const requests: string[][] = [];
  const state = { singleRepository: false };
  const withhold: string[] = [];
  const server = http.createServer((req, res) => {
    let form = '';
    req.on('data', (c) => (form += c));
    req.on('end', () => answer(req, res, new URLSearchParams(form)));
  });
  // GET with Basic credentials, or the OAuth2 refresh-token POST that docker login's
  // `identitytoken` leads to (the refresh token accepted is `refresh-<password>`).
  const answer = (req: http.IncomingMessage, res: http.ServerResponse, form: URLSearchParams) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const post = req.method === 'POST';
    const scopes = post
      ? (form.get('scope') ?? '').split(' ').filter(Boolean)
      : url.searchParams.getAll('scope');
    requests.push(scopes);
    const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    let given = req.headers.authorization;
    if (post)
      given =
        form.get('grant_type') === 'refresh_token' &&
        form.get('refresh_token') === `refresh-${password}`
          ? expected
          : 'refused';
    if (given && given !== expected) {
      res.writeHead(401).end();
      return;
    }
    const access = scopes.slice(0, state.singleRepository ? 1 : undefined).map((s) => {
      const [type, ...rest] = s.split(':');
      const actions = rest.pop()!.split(',');
      return {
        type,
        name: rest.join(':'),
        actions: (given ? actions : actions.filter((a) => a === 'pull')).filter(
          (a) => !withhold.includes(a),
        ),
      };
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [der.toString('base64')] };
    const claims = {
      iss: 'test-issuer',
      sub: given ? user : '',
      aud: 'test-registry',
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = createSign('RSA-SHA256').update(input).sign(keyPem);
    res.writeHead(200, { 'content-type': 'application/json' });
    const token = `${input}.${b64url(sig)}`;
    res.end(
      JSON.stringify(post ? { access_token: token, expires_in: 300 } : { token, expires_in: 300 }),
    );
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    certFile,
    requests,
    withhold,
    get singleRepository() {
      return state.singleRepository;
    },
    set singleRepository(v: boolean) {
      state.singleRepository = v;
    },
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

/** `skopeo inspect --raw`: the exact manifest bytes, read by a client this project did not write. */
export async function inspectRaw(ref: string, creds?: string): Promise<string> {
  const args = [
    'inspect',
    '--raw',
    '--tls-verify=false',
    ...(creds ? ['--creds', creds] : []),
    `docker://${ref}`,
  ];
  const { stdout } = await run('skopeo', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** Push an OCI layout image as it is (all platforms, digests preserved) with skopeo. */
export async function skopeoPush(
  layout: string,
  tag: string,
  dest: string,
  creds?: string,
): Promise<void> {
  await run('skopeo', [
    'copy',
    '--all',
    '--preserve-digests',
    '--dest-tls-verify=false',
    ...(creds ? ['--dest-creds', creds] : []),
    `oci:${layout}:${tag}`,
    `docker://${dest}`,
  ]);
}
