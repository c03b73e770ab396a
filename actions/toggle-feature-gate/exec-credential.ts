import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { UserError, quote } from '../../shared/errors.js';
import { lastLine } from '../../shared/exec.js';

/**
 * A kubeconfig user's exec credential plugin (kubelogin on AKS, `aws eks get-token`,
 * gke-gcloud-auth-plugin), run as client-go runs it (the client.authentication.k8s.io
 * ExecCredential protocol, v1 and v1beta1):
 * - the command with its arguments as an array (never a shell); a command with a path
 *   separator is relative to the kubeconfig file's folder, others are looked up in PATH;
 * - its environment: the step's, plus the plugin's `env` entries, plus KUBERNETES_EXEC_INFO —
 *   an ExecCredential with spec.interactive false (no terminal here) and, with
 *   provideClusterInfo, spec.cluster;
 * - its stdout: an ExecCredential of the configured apiVersion whose status has a token or a
 *   client certificate and key, and maybe an expirationTimestamp (RFC 3339);
 * - the credential is kept until it expires, or until the API server refuses it (401), then
 *   the plugin runs again.
 * A plugin that needs a terminal (interactiveMode Always) cannot work in CI and is refused.
 */
export interface Credential {
  token?: string;
  cert?: Buffer;
  key?: Buffer;
  /** When it stops being valid (ms since the epoch); undefined: until refused. */
  expiresAt?: number;
}

export interface ExecSource {
  /** What runs, for messages: `kubelogin get-token ...` is not shown (arguments may be secret). */
  command: string;
  /** The credential in force, running the plugin when there is none or it has expired. */
  current(): Credential;
  /** Run the plugin again (the API server refused the credential). */
  refresh(): Credential;
}

const API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];
/** A plugin that does not answer within this is stuck (waiting for a browser login...). */
const PLUGIN_TIMEOUT_MS = 120_000;
/** Renew this long before the stated expiry: a request takes time to reach the server. */
const EXPIRY_MARGIN_MS = 10_000;

type Dict = Record<string, unknown>;

export interface ExecContext {
  file: string;
  user: string;
  env: NodeJS.ProcessEnv;
  cluster: { server: string; ca?: Buffer; insecure: boolean };
}

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function execSource(exec: Dict, ctx: ExecContext): ExecSource {
  const where = `${ctx.file}: user ${quote(ctx.user)}: exec plugin`;
  const apiVersion = exec.apiVersion;
  if (typeof apiVersion !== 'string' || !API_VERSIONS.includes(apiVersion)) {
    throw new UserError(
      `${where}: apiVersion ${quote(apiVersion)} is not supported; use ${API_VERSIONS.join(' or ')}`,
    );
  }
  if (typeof exec.command !== 'string' || !exec.command) {
    throw new UserError(`${where}: no command`);
  }
  if (exec.interactiveMode === 'Always') {
    throw new UserError(
      `${where} ${quote(exec.command)} needs an interactive terminal (interactiveMode: Always), which a CI step does not have; use a non-interactive login (e.g. a service principal or workload identity)`,
    );
  }
  const args = Array.isArray(exec.args) ? exec.args.map(String) : [];
  const extraEnv: Record<string, string> = {};
  for (const e of Array.isArray(exec.env) ? exec.env : []) {
    if (isDict(e) && typeof e.name === 'string') extraEnv[e.name] = String(e.value ?? '');
  }
  const command = exec.command.includes('/')
    ? path.resolve(path.dirname(ctx.file), exec.command)
    : exec.command;
  const info = {
    apiVersion,
    kind: 'ExecCredential',
    spec: {
      interactive: false,
      ...(exec.provideClusterInfo === true
        ? {
            cluster: {
              server: ctx.cluster.server,
              ...(ctx.cluster.ca
                ? { 'certificate-authority-data': ctx.cluster.ca.toString('base64') }
                : {}),
              ...(ctx.cluster.insecure ? { 'insecure-skip-tls-verify': true } : {}),
            },
          }
        : {}),
    },
  };
  const hint = typeof exec.installHint === 'string' ? ` (${exec.installHint.trim()})` : '';
  let cached: Credential | undefined;
  const run = (): Credential => {
    let out: string;
    try {
      out = execFileSync(command, args, {
        env: { ...ctx.env, ...extraEnv, KUBERNETES_EXEC_INFO: JSON.stringify(info) },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: PLUGIN_TIMEOUT_MS,
        maxBuffer: 4 * 1024 * 1024,
      });
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string; status?: number };
      if (e.code === 'ENOENT')
        throw new UserError(`${where} ${quote(exec.command)} not found${hint}`);
      const why =
        e.code === 'ETIMEDOUT'
          ? `no answer within ${PLUGIN_TIMEOUT_MS / 1000} s`
          : `exit ${e.status ?? e.code}`;
      const said = e.stderr ? `: ${lastLine(e.stderr)}` : '';
      throw new UserError(`${where} ${quote(exec.command)} failed (${why})${said}`);
    }
    cached = parseCredential(out, apiVersion, `${where} ${quote(exec.command)}`);
    return cached;
  };
  return {
    command: exec.command,
    current: () =>
      cached && (cached.expiresAt === undefined || Date.now() + EXPIRY_MARGIN_MS < cached.expiresAt)
        ? cached
        : run(),
    refresh: run,
  };
}

/** The plugin's stdout, checked as client-go checks it. */
export function parseCredential(out: string, apiVersion: string, who: string): Credential {
  let doc: unknown;
  try {
    doc = JSON.parse(out);
  } catch {
    throw new UserError(`${who} did not print an ExecCredential (not JSON)`);
  }
  if (!isDict(doc) || doc.kind !== 'ExecCredential') {
    throw new UserError(
      `${who} did not print an ExecCredential (kind ${quote(isDict(doc) ? doc.kind : undefined)})`,
    );
  }
  if (doc.apiVersion !== apiVersion) {
    throw new UserError(
      `${who} printed an ExecCredential of ${quote(doc.apiVersion)}, but the kubeconfig asks for ${apiVersion}`,
    );
  }
  const st = isDict(doc.status) ? doc.status : {};
  const token = typeof st.token === 'string' && st.token ? st.token : undefined;
  const certData = typeof st.clientCertificateData === 'string' ? st.clientCertificateData : '';
  const keyData = typeof st.clientKeyData === 'string' ? st.clientKeyData : '';
  if (!token && !(certData && keyData)) {
    throw new UserError(
      `${who} printed an ExecCredential with neither a token nor a client certificate and key`,
    );
  }
  if (!token && (certData ? !keyData : keyData)) {
    throw new UserError(
      `${who} printed a client certificate without its key, or a key without its certificate`,
    );
  }
  let expiresAt: number | undefined;
  if (st.expirationTimestamp !== undefined) {
    expiresAt = Date.parse(String(st.expirationTimestamp));
    if (Number.isNaN(expiresAt)) {
      throw new UserError(
        `${who} printed an expirationTimestamp that is not a time: ${quote(st.expirationTimestamp)}`,
      );
    }
  }
  return {
    token,
    ...(certData && keyData ? { cert: Buffer.from(certData), key: Buffer.from(keyData) } : {}),
    expiresAt,
  };
}
