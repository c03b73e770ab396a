import http from 'node:http';
import https from 'node:https';
import { UserError, errorMessage } from '../../shared/errors.js';
import {
  RetryableError,
  defaultPolicy,
  isRetryableStatus,
  parseRetryAfter,
  withRetry,
  type RetryPolicy,
} from '../../shared/retry.js';
import { ApiError, parseWarnings, type KubeStatus } from './api-error.js';
import type { Connection } from './kubeconfig.js';
import type { JsonObject, PatchOp } from './json-patch.js';

/**
 * A thin Kubernetes REST client: GET and JSON patch on one object, over Node's http(s), with
 * the suite's retry policy for 429/5xx/connection faults and a per-request timeout. Errors
 * from the server keep its Status body (reason, message) so callers can tell a conflict from
 * a refusal.
 */
/** Node's codes for a server certificate that the configured CA does not vouch for. */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
]);

export interface ClientOptions {
  requestTimeoutMs?: number;
  policy?: RetryPolicy;
  onRetry?: (message: string) => void;
  /** A new secret (an exec plugin's renewed token), to mask before it can reach a log. */
  onSecret?: (secret: string) => void;
}

export class KubeClient {
  /** Every Warning the API server sent (deprecations, dropped fields), once each, in order. */
  readonly warnings: string[] = [];
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;
  private readonly onSecret?: (secret: string) => void;
  private lastToken?: string;

  constructor(
    readonly conn: Connection,
    opts: ClientOptions = {},
  ) {
    const secure = conn.server.startsWith('https:');
    this.agent = secure
      ? new https.Agent({
          keepAlive: true,
          ca: conn.ca,
          cert: conn.cert,
          key: conn.key,
          rejectUnauthorized: !conn.insecureSkipTlsVerify,
        })
      : new http.Agent({ keepAlive: true });
    this.timeoutMs = opts.requestTimeoutMs ?? 30_000;
    this.onSecret = opts.onSecret;
    this.lastToken = conn.token;
    const policy = opts.policy ?? defaultPolicy();
    this.policy = {
      ...policy,
      onRetry: (info) => {
        policy.onRetry?.(info);
        opts.onRetry?.(
          `retry ${info.attempt} in ${Math.round(info.delayMs)} ms after: ${info.reason}`,
        );
      },
    };
  }

  close(): void {
    this.agent.destroy();
  }

  async get(path: string): Promise<JsonObject> {
    return this.call('GET', path);
  }

  async jsonPatch(path: string, ops: PatchOp[]): Promise<JsonObject> {
    return this.call('PATCH', path, JSON.stringify(ops), 'application/json-patch+json');
  }

  private async call(
    method: string,
    path: string,
    body?: string,
    contentType?: string,
  ): Promise<JsonObject> {
    let res = await this.answer(method, path, body, contentType);
    if (res.status === 401 && this.conn.exec) {
      // The plugin's credential was revoked or expired early: one fresh one, once.
      this.conn.exec.refresh();
      res = await this.answer(method, path, body, contentType);
    }
    let json: unknown;
    try {
      json = res.text ? JSON.parse(res.text) : undefined;
    } catch {
      json = undefined;
    }
    const warnings = parseWarnings(res.headers.warning);
    for (const w of warnings) if (!this.warnings.includes(w)) this.warnings.push(w);
    if (res.status < 200 || res.status > 299) {
      const st = isStatus(json) ? json : undefined;
      throw new ApiError(res.status, st, method, path, warnings);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new UserError(`${method} ${path}: the API server answered with no JSON object`);
    }
    return json as JsonObject;
  }

  /** The token to send: an exec plugin's current one (masked when new), else the kubeconfig's. */
  private token(): string | undefined {
    if (!this.conn.exec) return this.conn.token;
    const t = this.conn.exec.current().token;
    if (t && t !== this.lastToken) {
      this.onSecret?.(t);
      this.lastToken = t;
    }
    return t;
  }

  /** One answer, after the retries of 429, 5xx and connection faults. */
  private async answer(
    method: string,
    path: string,
    body?: string,
    contentType?: string,
  ): Promise<Awaited<ReturnType<KubeClient['once']>>> {
    const token = this.token();
    try {
      return await withRetry(async () => {
        const r = await this.once(method, path, token, body, contentType);
        if (isRetryableStatus(r.status)) {
          throw new RetryableError(
            `${method} ${path}: HTTP ${r.status}`,
            parseRetryAfter(r.headers['retry-after'] as string | undefined),
          );
        }
        return r;
      }, this.policy);
    } catch (err) {
      throw new UserError(this.unreachable(method, path, err));
    }
  }

  /**
   * A request that got no usable answer (refused, TLS, timeouts, 5xx after the retries), as one
   * line naming the server and where its address came from.
   */
  private unreachable(method: string, path: string, err: unknown): string {
    const code = (err as { code?: unknown }).code;
    const tls = typeof code === 'string' && TLS_CODES.has(code);
    // Node adds advice about its own flags to TLS errors; a step user cannot act on it.
    const message = tls ? errorMessage(err).split(';')[0] : errorMessage(err);
    const what =
      err instanceof RetryableError
        ? `${message} after ${this.policy.delaysMs.length} retries`
        : `${method} ${path} failed: ${message}`;
    const hint = tls
      ? "; give the cluster's certificate-authority (or -data) in the kubeconfig"
      : '';
    return `API server ${this.conn.server} (from ${this.conn.source}): ${what}${hint}`;
  }

  private once(
    method: string,
    path: string,
    token: string | undefined,
    body?: string,
    contentType?: string,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
    const url = new URL(this.conn.server + path);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'virt-ci-toggle-feature-gate',
    };
    if (token) headers.authorization = `Bearer ${token}`;
    else if (this.conn.basic) {
      const { username, password } = this.conn.basic;
      headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
    if (body !== undefined) {
      headers['content-type'] = contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      });
      // A server that accepts and then goes quiet must count as a transient fault, not hang.
      req.setTimeout(this.timeoutMs, () => {
        const err = new Error(`${method} ${path}: no answer within ${this.timeoutMs} ms`);
        (err as NodeJS.ErrnoException).code = 'ETIMEDOUT';
        req.destroy(err);
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** A Status object; a plain-text answer (the mux's "404 page not found") is none. */
function isStatus(v: unknown): v is KubeStatus {
  return typeof v === 'object' && v !== null && (v as KubeStatus).kind === 'Status';
}
