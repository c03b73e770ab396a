import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError, quote } from '../../shared/errors.js';

/**
 * Where the API server is and how to talk to it, found the way kubectl finds it: the
 * `kubeconfig` input, then $KUBECONFIG (first file that exists), then ~/.kube/config, then the
 * in-cluster service account. Only the current context is used.
 */
export interface Connection {
  server: string;
  /** Where the settings came from, for messages. */
  source: string;
  token?: string;
  basic?: { username: string; password: string };
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTlsVerify: boolean;
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface NamedEntry<T> {
  name: string;
  [key: string]: unknown;
  cluster?: T;
  user?: T;
  context?: T;
}

type Dict = Record<string, unknown>;

export function findKubeconfig(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  workspace: string,
): string | undefined {
  if (explicit) {
    const file = path.resolve(workspace, explicit);
    if (!existsSync(file)) {
      throw new UserError(`input "kubeconfig": ${quote(explicit)} does not exist`);
    }
    return file;
  }
  for (const f of (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean)) {
    if (existsSync(f)) return f;
  }
  const home = path.join(env.HOME || os.homedir(), '.kube', 'config');
  return existsSync(home) ? home : undefined;
}

export function loadConnection(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  workspace = process.cwd(),
  saDir = SA_DIR,
): Connection {
  const file = findKubeconfig(explicit, env, workspace);
  if (file) return fromKubeconfig(file);
  if (env.KUBERNETES_SERVICE_HOST && existsSync(path.join(saDir, 'token'))) {
    const host = env.KUBERNETES_SERVICE_HOST;
    const port = env.KUBERNETES_SERVICE_PORT || '443';
    const caFile = path.join(saDir, 'ca.crt');
    return {
      server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
      source: 'the in-cluster service account',
      token: readFileSync(path.join(saDir, 'token'), 'utf8').trim(),
      ca: existsSync(caFile) ? readFileSync(caFile) : undefined,
      insecureSkipTlsVerify: false,
    };
  }
  throw new UserError(
    'no Kubernetes connection: give input "kubeconfig", set KUBECONFIG, or run in a cluster (no ~/.kube/config either)',
  );
}

function pick<T>(list: unknown, name: string, kind: string, file: string): T {
  const entry = Array.isArray(list)
    ? (list as NamedEntry<T>[]).find((e) => e && e.name === name)
    : undefined;
  const value = entry?.[kind] as T | undefined;
  if (!value) throw new UserError(`${file}: ${kind} ${quote(name)} is not defined`);
  return value;
}

function dataOrFile(d: Dict, key: string, base: string, file: string): Buffer | undefined {
  const data = d[`${key}-data`];
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64');
  const ref = d[key];
  if (typeof ref === 'string' && ref) {
    const p = path.resolve(base, ref);
    try {
      return readFileSync(p);
    } catch {
      throw new UserError(`${file}: ${key} ${quote(ref)} cannot be read`);
    }
  }
  return undefined;
}

export function fromKubeconfig(file: string): Connection {
  let doc: Dict;
  try {
    doc = (parseYaml(readFileSync(file, 'utf8')) ?? {}) as Dict;
  } catch (err) {
    throw new UserError(
      `${file}: not a valid kubeconfig: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  const ctxName = doc['current-context'];
  if (typeof ctxName !== 'string' || !ctxName) {
    throw new UserError(`${file}: no current-context; set one with kubectl config use-context`);
  }
  const ctx = pick<Dict>(doc.contexts, ctxName, 'context', file);
  const cluster = pick<Dict>(doc.clusters, String(ctx.cluster ?? ''), 'cluster', file);
  const user: Dict = ctx.user ? pick<Dict>(doc.users, String(ctx.user), 'user', file) : {};
  const base = path.dirname(file);
  const server = cluster.server;
  if (typeof server !== 'string' || !/^https?:\/\//.test(server)) {
    throw new UserError(`${file}: cluster ${quote(ctx.cluster)} has no http(s) server address`);
  }
  if (user.exec || user['auth-provider']) {
    throw new UserError(
      `${file}: user ${quote(ctx.user)} authenticates through an exec or auth-provider plugin, which this action does not run; use a token or client certificate`,
    );
  }
  let token = typeof user.token === 'string' ? user.token : undefined;
  if (!token && typeof user.tokenFile === 'string') {
    try {
      token = readFileSync(path.resolve(base, user.tokenFile), 'utf8').trim();
    } catch {
      throw new UserError(`${file}: tokenFile ${quote(user.tokenFile)} cannot be read`);
    }
  }
  const basic =
    typeof user.username === 'string' && typeof user.password === 'string'
      ? { username: user.username, password: user.password }
      : undefined;
  return {
    server: server.replace(/\/+$/, ''),
    source: file,
    token,
    basic,
    ca: dataOrFile(cluster, 'certificate-authority', base, file),
    cert: dataOrFile(user, 'client-certificate', base, file),
    key: dataOrFile(user, 'client-key', base, file),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
  };
}

/** The values that must never reach a log. */
export function connectionSecrets(c: Connection): string[] {
  const out: string[] = [];
  if (c.token) out.push(c.token);
  if (c.basic) out.push(c.basic.password);
  if (c.key) out.push(c.key.toString('utf8'), c.key.toString('base64'));
  return out;
}
