import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError, quote } from '../../shared/errors.js';

/**
 * Where the API server is and how to talk to it: the `kubeconfig` input, else the first file
 * listed in $KUBECONFIG that exists, else ~/.kube/config, else the in-cluster service account.
 * One file is read, whole: unlike kubectl, the other files in $KUBECONFIG are not merged in.
 * The file's current context is used; the post step uses the context the main step used.
 */
export interface Connection {
  server: string;
  /** Where the settings came from, for messages. */
  source: string;
  /** How to load the same connection again (the post step does). */
  ref: ConnectionRef;
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

/** A connection by where it came from, without its secrets: what the post step is given. */
export type ConnectionRef =
  { kind: 'kubeconfig'; file: string; context: string } | { kind: 'in-cluster' };

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
  // Only the first existing file counts: kubectl would merge them all (not done here yet).
  for (const f of (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean)) {
    if (existsSync(f)) return f;
  }
  const home = path.join(env.HOME || os.homedir(), '.kube', 'config');
  return existsSync(home) ? home : undefined;
}

export function loadConnection(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  workspace: string,
  saDir = SA_DIR,
): Connection {
  const file = findKubeconfig(explicit, env, workspace);
  if (file) return fromKubeconfig(file);
  const sa = fromServiceAccount(env, saDir);
  if (sa) return sa;
  throw new UserError(
    'no Kubernetes connection: give input "kubeconfig", set KUBECONFIG, or run in a cluster (no ~/.kube/config either)',
  );
}

/** The connection a main step used, loaded again: the same file and context, or the pod's account. */
export function reloadConnection(
  ref: ConnectionRef,
  env: NodeJS.ProcessEnv,
  saDir = SA_DIR,
): Connection {
  if (ref.kind === 'kubeconfig') {
    if (!existsSync(ref.file)) {
      throw new UserError(`${ref.file}: the kubeconfig the main step used no longer exists`);
    }
    return fromKubeconfig(ref.file, ref.context);
  }
  const sa = fromServiceAccount(env, saDir);
  if (!sa) {
    throw new UserError(
      'the main step used the in-cluster service account, which this step cannot find',
    );
  }
  return sa;
}

function fromServiceAccount(env: NodeJS.ProcessEnv, saDir: string): Connection | undefined {
  if (!env.KUBERNETES_SERVICE_HOST || !existsSync(path.join(saDir, 'token'))) return undefined;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT || '443';
  const caFile = path.join(saDir, 'ca.crt');
  return {
    server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
    source: 'the in-cluster service account',
    ref: { kind: 'in-cluster' },
    token: readFileSync(path.join(saDir, 'token'), 'utf8').trim(),
    ca: existsSync(caFile) ? readFileSync(caFile) : undefined,
    insecureSkipTlsVerify: false,
  };
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

/** `context`: the one to use; the file's current-context when not given. */
export function fromKubeconfig(file: string, context?: string): Connection {
  let doc: Dict;
  try {
    doc = (parseYaml(readFileSync(file, 'utf8')) ?? {}) as Dict;
  } catch (err) {
    throw new UserError(
      `${file}: not a valid kubeconfig: ${(err as Error).message.split('\n')[0]}`,
    );
  }
  const ctxName = context ?? doc['current-context'];
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
    ref: { kind: 'kubeconfig', file: path.resolve(file), context: ctxName },
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
