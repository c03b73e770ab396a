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
import { ApiError, type KubeStatus } from './api-error.js';
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
}

export class KubeClient {
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly policy: RetryPolicy;

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
    let res: Awaited<ReturnType<KubeClient['once']>>;
    try {
      res = await withRetry(async () => {
        const r = await this.once(method, path, body, contentType);
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
    let json: unknown;
    try {
      json = res.text ? JSON.parse(res.text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.status < 200 || res.status > 299) {
      throw new ApiError(res.status, json as KubeStatus | undefined, method, path);
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      throw new UserError(`${method} ${path}: the API server answered with no JSON object`);
    }
    return json as JsonObject;
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
    body?: string,
    contentType?: string,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
    const url = new URL(this.conn.server + path);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'virt-ci-toggle-feature-gate',
    };
    if (this.conn.token) headers.authorization = `Bearer ${this.conn.token}`;
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
