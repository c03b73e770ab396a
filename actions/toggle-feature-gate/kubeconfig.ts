import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UserError, quote } from '../../shared/errors.js';
import { execSource, type ExecSource } from './exec-credential.js';

/**
 * Where the API server is and how to talk to it, found as kubectl finds it: the `kubeconfig`
 * input (that file alone), else every file listed in $KUBECONFIG merged, else ~/.kube/config,
 * else the in-cluster service account. The current context is used; the post step uses the
 * context the main step used. Users may authenticate with a token, a token file, basic auth,
 * a client certificate, or an exec credential plugin (exec-credential.ts).
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
  /** An exec credential plugin: runs again when its credential expires or is refused. */
  exec?: ExecSource;
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
  | {
      kind: 'kubeconfig';
      /** The first file, for messages. */
      file: string;
      context: string;
      /** Every file merged, in order, when $KUBECONFIG listed more than one. */
      files?: string[];
    }
  | { kind: 'in-cluster' };

/**
 * The kubeconfig files in force, as kubectl's loading rules pick them (clientcmd
 * ClientConfigLoadingRules, `kubectl config --help`): an explicit file alone; else every file
 * of $KUBECONFIG (the system's path delimiter; empty entries and files that do not exist are
 * skipped) — and when $KUBECONFIG is set, nothing else; else ~/.kube/config.
 */
export function findKubeconfigs(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  workspace: string,
): string[] {
  if (explicit) {
    const file = path.resolve(workspace, explicit);
    if (!existsSync(file)) {
      throw new UserError(`input "kubeconfig": ${quote(explicit)} does not exist`);
    }
    return [file];
  }
  const listed = (env.KUBECONFIG ?? '').split(path.delimiter).filter(Boolean);
  if (listed.length) {
    return [...new Set(listed.map((f) => path.resolve(f)))].filter((f) => existsSync(f));
  }
  const home = path.join(env.HOME || os.homedir(), '.kube', 'config');
  return existsSync(home) ? [home] : [];
}

export function loadConnection(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  workspace: string,
  saDir = SA_DIR,
): Connection {
  const files = findKubeconfigs(explicit, env, workspace);
  if (files.length) return fromKubeconfig(files, undefined, env);
  const sa = fromServiceAccount(env, saDir);
  if (sa) return sa;
  throw new UserError(
    'no Kubernetes connection: give input "kubeconfig", set KUBECONFIG, or run in a cluster (no ~/.kube/config either)',
  );
}

/** The connection a main step used, loaded again: the same files and context, or the pod's account. */
export function reloadConnection(
  ref: ConnectionRef,
  env: NodeJS.ProcessEnv,
  saDir = SA_DIR,
): Connection {
  if (ref.kind === 'kubeconfig') {
    const files = ref.files ?? [ref.file];
    const gone = files.find((f) => !existsSync(f));
    if (gone) throw new UserError(`${gone}: the kubeconfig the main step used no longer exists`);
    return fromKubeconfig(files, ref.context, env);
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

/** A named entry of a merged kubeconfig, with the file it came from. */
interface Entry {
  value: Dict;
  file: string;
}

interface Merged {
  files: string[];
  currentContext?: string;
  clusters: Map<string, Entry>;
  users: Map<string, Entry>;
  contexts: Map<string, Entry>;
}

function parseFile(file: string): Dict {
  try {
    const doc = parseYaml(readFileSync(file, 'utf8')) as unknown;
    return doc && typeof doc === 'object' ? (doc as Dict) : {};
  } catch (err) {
    throw new UserError(
      `${file}: not a valid kubeconfig: ${(err as Error).message.split('\n')[0]}`,
    );
  }
}

/**
 * kubectl's merge (clientcmd loader, `kubectl config --help`): the first file to set a key
 * wins and later files never change it — current-context from the first file that sets one,
 * and a cluster, user or context named in two files is the first file's, whole (even its
 * fields the later one has and the first lacks are not taken). Relative paths in an entry are
 * relative to the file that holds it.
 */
function merge(files: string[]): Merged {
  const m: Merged = { files, clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const file of files) {
    const doc = parseFile(file);
    const cur = doc['current-context'];
    if (m.currentContext === undefined && typeof cur === 'string' && cur) m.currentContext = cur;
    for (const [list, kind, into] of [
      ['clusters', 'cluster', m.clusters],
      ['users', 'user', m.users],
      ['contexts', 'context', m.contexts],
    ] as const) {
      const entries = Array.isArray(doc[list]) ? (doc[list] as NamedEntry<Dict>[]) : [];
      for (const e of entries) {
        if (!e || typeof e.name !== 'string' || into.has(e.name)) continue;
        into.set(e.name, { value: (e[kind] as Dict | undefined) ?? {}, file });
      }
    }
  }
  return m;
}

function shownFiles(files: string[]): string {
  return files.length === 1 ? files[0] : files.join(path.delimiter);
}

function pick(m: Merged, kind: 'cluster' | 'user' | 'context', name: string): Entry {
  const into = kind === 'cluster' ? m.clusters : kind === 'user' ? m.users : m.contexts;
  const entry = into.get(name);
  if (!entry) throw new UserError(`${shownFiles(m.files)}: ${kind} ${quote(name)} is not defined`);
  return entry;
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

function userToken(user: Entry): string | undefined {
  const u = user.value;
  if (typeof u.token === 'string' && u.token) return u.token;
  if (typeof u.tokenFile !== 'string') return undefined;
  try {
    return readFileSync(path.resolve(path.dirname(user.file), u.tokenFile), 'utf8').trim();
  } catch {
    throw new UserError(`${user.file}: tokenFile ${quote(u.tokenFile)} cannot be read`);
  }
}

/**
 * The connection of one context of the merged files (`context`: the one to use; the merged
 * current-context when not given). `env` is what an exec plugin runs with.
 */
export function fromKubeconfig(
  files: string | string[],
  context?: string,
  env: NodeJS.ProcessEnv = {},
): Connection {
  const m = merge(Array.isArray(files) ? files : [files]);
  const shown = shownFiles(m.files);
  const ctxName = context ?? m.currentContext;
  if (typeof ctxName !== 'string' || !ctxName) {
    throw new UserError(`${shown}: no current-context; set one with kubectl config use-context`);
  }
  const ctx = pick(m, 'context', ctxName).value;
  const clusterName = String(ctx.cluster ?? '');
  const cluster = pick(m, 'cluster', clusterName);
  const user: Entry = ctx.user
    ? pick(m, 'user', String(ctx.user))
    : { value: {}, file: cluster.file };
  const server = cluster.value.server;
  if (typeof server !== 'string' || !/^https?:\/\//.test(server)) {
    throw new UserError(
      `${cluster.file}: cluster ${quote(clusterName)} has no http(s) server address`,
    );
  }
  if (user.value['auth-provider']) {
    throw new UserError(
      `${user.file}: user ${quote(ctx.user)} authenticates through an auth-provider plugin, which kubectl itself no longer runs; use an exec credential plugin, a token or a client certificate`,
    );
  }
  const u = user.value;
  const basic =
    typeof u.username === 'string' && typeof u.password === 'string'
      ? { username: u.username, password: u.password }
      : undefined;
  const conn: Connection = {
    server: server.replace(/\/+$/, ''),
    source: shown,
    ref: {
      kind: 'kubeconfig',
      file: m.files[0],
      context: ctxName,
      ...(m.files.length > 1 ? { files: m.files } : {}),
    },
    token: userToken(user),
    basic,
    ca: dataOrFile(
      cluster.value,
      'certificate-authority',
      path.dirname(cluster.file),
      cluster.file,
    ),
    cert: dataOrFile(u, 'client-certificate', path.dirname(user.file), user.file),
    key: dataOrFile(u, 'client-key', path.dirname(user.file), user.file),
    insecureSkipTlsVerify: cluster.value['insecure-skip-tls-verify'] === true,
  };
  if (isDict(u.exec)) {
    conn.exec = execSource(u.exec, {
      file: user.file,
      user: String(ctx.user),
      env,
      cluster: { server: conn.server, ca: conn.ca, insecure: conn.insecureSkipTlsVerify },
    });
    const cred = conn.exec.current();
    conn.token = cred.token ?? conn.token;
    conn.cert = cred.cert ?? conn.cert;
    conn.key = cred.key ?? conn.key;
  }
  return conn;
}

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The values that must never reach a log. */
export function connectionSecrets(c: Connection): string[] {
  const out: string[] = [];
  if (c.token) out.push(c.token);
  if (c.basic) out.push(c.basic.password);
  if (c.key) out.push(c.key.toString('utf8'), c.key.toString('base64'));
  return out;
}
