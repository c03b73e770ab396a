import type { Log } from '../../shared/action/log.js';
import { UserError, causes, errorMessage } from '../../shared/errors.js';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { RetryPolicy } from '../../shared/retry.js';
import {
  RetryableError,
  isRetryableStatus,
  parseRetryAfter,
  withRetry,
} from '../../shared/retry.js';
import { Authorizer } from './auth.js';
import { type Answer, type Attempts, headerOf, nodeRequest, requestRetrying } from './http.js';
import type { Credentials } from './credentials.js';
import { registryKey } from './credentials.js';
import {
  type Descriptor,
  type Manifest,
  MANIFEST_TYPES,
  MEDIA,
  checkDigest,
  mediaTypeOf,
} from './manifest.js';
import { DIGEST, schemeFor } from './reference.js';
import { DigestMismatchError, type Stats, type Store, countedPolicy } from './store.js';

interface ConnectionOptions {
  credentials: Credentials;
  insecure: readonly string[];
  /** Told the Basic values and tokens made from the credentials. */
  mask: (s: string) => void;
  stats: Stats;
  retry: RetryPolicy;
  log: Log;
  /** No byte either way for this long: the request is dropped and retried. */
  idleTimeoutMs: number;
}

type Body = string | Buffer;

interface RequestOptions {
  scopes: string[];
  headers?: Record<string, string>;
  body?: Body;
}

/**
 * One registry host speaking the OCI distribution API over node:http. Holds the host's
 * authorization so every repository on it shares tokens; replayable requests retry under the
 * project's policy, streamed uploads are retried whole by the caller.
 */
export class Registry {
  readonly base: string;
  private readonly auth: Authorizer;
  readonly policy: RetryPolicy;

  constructor(
    readonly host: string,
    readonly registry: string,
    private readonly opts: ConnectionOptions,
  ) {
    this.base = `${schemeFor(host, opts.insecure)}://${host}`;
    // A retry is another request too.
    this.policy = countedPolicy(opts.retry, opts.log, () => {
      opts.stats.retries++;
      opts.stats.requests++;
    });
    this.auth = new Authorizer(
      host,
      opts.credentials.get(registryKey(registry)),
      opts.mask,
      () => this.policy,
      () => opts.stats.requests++,
      opts.idleTimeoutMs,
    );
  }

  repository(name: string): Store {
    return new RegistryStore(this, name, this.opts.stats, this.opts.log);
  }

  /** A request whose body (if any) can be sent again: manifests, HEADs, mounts, sessions. */
  request(method: string, url: string, o: RequestOptions): Promise<Answer> {
    return this.authorized(method, url, o.scopes, false, smallAnswer, (headers) =>
      this.send(method, url, { ...o.headers, ...headers }, o.body),
    );
  }

  /**
   * A blob's GET or PUT over node:http: the body streams in and out as Node streams. A PUT is
   * sent once (its body cannot be replayed; the copy starts over on a fault); a GET is
   * retried like any other request.
   */
  stream(
    method: string,
    url: string,
    o: { scopes: string[]; headers?: Record<string, string>; body?: Readable },
  ): Promise<IncomingMessage> {
    return this.authorized(method, url, o.scopes, !!o.body, nodeAnswer, (headers) =>
      this.sendStream(method, url, { ...o.headers, ...headers }, o.body),
    );
  }

  /**
   * Send with the authorization the registry asks for: on a 401 (or insufficient_scope) learn
   * the challenge and ask again, at most three rounds. A body that cannot be sent twice turns
   * a changed authorization into a retry of the whole copy instead.
   */
  private async authorized<R>(
    method: string,
    url: string,
    firstScopes: string[],
    streamed: boolean,
    view: (r: R) => AuthView,
    send: (headers: Record<string, string>) => Promise<R>,
  ): Promise<R> {
    let scopes = firstScopes;
    for (let round = 0; ; round++) {
      const authorization = await this.auth.header(scopes);
      const res = await send(authorization ? { authorization } : {});
      const answer = view(res);
      const challenge = answer.header('www-authenticate');
      const denied =
        answer.status === 401 ||
        (answer.status === 403 && /insufficient_scope/.test(challenge ?? ''));
      if (!denied) return res;
      await answer.discard();
      // A refused cached token (expired early, revoked) earns one fresh try with the same scopes.
      const next =
        round < 3
          ? (this.auth.learn(challenge, scopes, !!authorization) ??
            (round === 0 && authorization ? scopes : undefined))
          : undefined;
      if (!next) {
        throw new UserError(
          `registry ${this.host}: ${method} ${new URL(url).pathname} was refused (HTTP ${answer.status}); check the credentials and that they may ${scopes.some((s) => s.endsWith('push')) ? 'push to' : 'pull from'} the repository`,
        );
      }
      if (streamed) {
        // A stream cannot be sent twice; the blob copy starts over with the new authorization.
        throw new RetryableError(`registry ${this.host}: authorization changed during an upload`);
      }
      scopes = next;
    }
  }

  private async send(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: Body | undefined,
  ): Promise<Answer> {
    this.opts.stats.requests++;
    const attempts: Attempts = { retries: 0 };
    try {
      return await requestRetrying(
        url,
        { method, headers, body },
        this.policy,
        this.opts.idleTimeoutMs,
        attempts,
      );
    } catch (err) {
      throw this.failure(method, url, attempts.retries, err);
    }
  }

  private async sendStream(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: Readable | undefined,
  ): Promise<IncomingMessage> {
    this.opts.stats.requests++;
    const once = async () => {
      const res = await nodeRequest(url, {
        method,
        headers,
        body,
        idleMs: this.opts.idleTimeoutMs,
      });
      if (isRetryableStatus(res.statusCode ?? 0)) {
        res.resume();
        throw new RetryableError(
          `${method} ${url}: HTTP ${res.statusCode}`,
          parseRetryAfter(nodeAnswer(res).header('retry-after')),
        );
      }
      return res;
    };
    if (body) return once();
    const attempts: Attempts = { retries: 0 };
    try {
      return await withRetry((attempt) => {
        attempts.retries = attempt;
        return once();
      }, this.policy);
    } catch (err) {
      throw this.failure(method, url, attempts.retries, err);
    }
  }

  private failure(method: string, url: string, retries: number, err: unknown): UserError {
    // "after retries" only when there were some: a refused URL is not retried.
    const after = retries ? ` after ${retriesText(retries)}` : '';
    return new UserError(
      `registry ${this.host}: ${method} ${new URL(url).pathname} failed${after}: ${networkReason(err)}`,
      { cause: err },
    );
  }
}

/** What the authorization loop reads of an answer, read whole or streamed. */
interface AuthView {
  status: number;
  header(name: string): string | null;
  discard(): Promise<void>;
}

function smallAnswer(res: Answer): AuthView {
  return { status: res.status, header: (name) => res.header(name), discard: async () => {} };
}

function nodeAnswer(res: IncomingMessage): AuthView {
  return {
    status: res.statusCode ?? 0,
    header: (name) => headerOf(res.headers, name),
    discard: async () => {
      res.resume();
    },
  };
}

/** The whole (small) body of a node:http answer: an error's text. */
async function nodeText(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= 64 * 1024) chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function retriesText(n: number): string {
  return n === 1 ? '1 retry' : `${n} retries`;
}

/**
 * Codes docker-registry answers a manifest PUT with while a blob it names is still being
 * committed by a concurrent upload of the same blob (a registry-side race: the blob was
 * there to HEAD a moment before). The PUT succeeds once the other upload has settled.
 */
const BLOB_RACE_CODES = ['MANIFEST_BLOB_UNKNOWN', 'BLOB_UNKNOWN', 'DIGEST_INVALID'];

/** A distribution error answer: its codes and one line of detail. */
function errorBody(res: Answer): { codes: string[]; detail: string } {
  return parseErrors(res.text());
}

function parseErrors(text: string): { codes: string[]; detail: string } {
  let detail = text.slice(0, 200);
  let codes: string[] = [];
  try {
    const errs = (JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> })
      .errors;
    if (errs?.length) {
      codes = errs.map((e) => e.code ?? '');
      detail = [...new Set(errs.map((e) => `${e.code}: ${e.message}`))].join('; ');
    }
  } catch {
    // not the distribution error format; keep the text
  }
  return { codes, detail: detail.replace(/\s+/g, ' ').trim() };
}

class RegistryStore implements Store {
  readonly name: string;
  readonly location: string;
  private readonly pending = new Map<string, string>();

  constructor(
    private readonly reg: Registry,
    readonly repository: string,
    private readonly stats: Stats,
    private readonly log: Log,
  ) {
    this.name = `${reg.registry}/${repository}`;
    this.location = reg.host;
  }

  private url(kind: 'manifests' | 'blobs' | 'referrers', ref: string): string {
    return `${this.reg.base}/v2/${this.repository}/${kind}/${ref}`;
  }

  private pull(): string[] {
    return [`repository:${this.repository}:pull`];
  }

  private push(): string[] {
    return [`repository:${this.repository}:pull,push`];
  }

  async getManifest(ref: string): Promise<Manifest | undefined> {
    const res = await this.reg.request('GET', this.url('manifests', ref), {
      scopes: this.pull(),
      headers: { accept: MANIFEST_TYPES.join(', ') },
    });
    if (res.status === 404) return undefined;
    this.expect(res, [200], `GET manifest ${ref}`);
    if (res.tooLarge) {
      const length = res.header('content-length');
      throw new UserError(
        `${this.name}: manifest ${ref} is ${length ? `${length} bytes, ` : ''}over the 4 MiB manifest limit`,
      );
    }
    const bytes = res.body;
    const headerDigest = res.header('docker-content-digest') ?? undefined;
    const digest = checkDigest(bytes, DIGEST.test(ref) ? ref : headerDigest, `${this.name}:${ref}`);
    const contentType = (res.header('content-type') ?? '').split(';')[0].trim();
    const mediaType = MANIFEST_TYPES.includes(contentType) ? contentType : mediaTypeOf(bytes);
    return { bytes, digest, mediaType };
  }

  async tagDigest(tag: string): Promise<string | undefined> {
    // HEAD, not GET: Docker Hub counts manifest GETs against its pull rate limit.
    const res = await this.reg.request('HEAD', this.url('manifests', tag), {
      scopes: this.pull(),
      headers: { accept: MANIFEST_TYPES.join(', ') },
    });
    if (res.status === 404) return undefined;
    if (res.status !== 200) {
      throw new UserError(`${this.name}: HEAD manifest ${tag} answered HTTP ${res.status}`);
    }
    const digest = res.header('docker-content-digest');
    if (digest && DIGEST.test(digest)) return digest;
    return (await this.getManifest(tag))?.digest;
  }

  async hasManifest(digest: string): Promise<boolean> {
    return this.head(this.url('manifests', digest), { accept: MANIFEST_TYPES.join(', ') });
  }

  async putManifest(m: Manifest, ref: string): Promise<void> {
    await withRetry(async () => {
      const res = await this.reg.request('PUT', this.url('manifests', ref), {
        scopes: this.push(),
        headers: { 'content-type': m.mediaType },
        body: m.bytes,
      });
      if (res.status === 400) {
        const { codes, detail } = errorBody(res);
        const what = `${this.name}: PUT manifest ${ref} answered HTTP 400 (${detail})`;
        if (codes.some((c) => BLOB_RACE_CODES.includes(c))) throw new RetryableError(what);
        throw new UserError(what);
      }
      this.expect(res, [201, 200], `PUT manifest ${ref}`);
      const stored = res.header('docker-content-digest');
      if (stored && stored !== m.digest) {
        throw new UserError(
          `${this.name}: the registry stored manifest ${ref} as ${stored}, not ${m.digest}; it rewrote the bytes`,
        );
      }
    }, this.reg.policy);
    this.stats.manifestsWritten++;
  }

  async hasBlob(d: Descriptor): Promise<boolean> {
    return this.head(this.url('blobs', d.digest), {});
  }

  async openBlob(d: Descriptor): Promise<Readable> {
    const res = await this.reg.stream('GET', this.url('blobs', d.digest), { scopes: this.pull() });
    if (res.statusCode !== 200) {
      const { detail } = parseErrors(await nodeText(res));
      throw new UserError(
        `${this.name}: GET blob ${d.digest} answered HTTP ${res.statusCode}${detail ? ` (${detail})` : ''}`,
      );
    }
    return res;
  }

  async mountBlob(d: Descriptor, from: Store): Promise<boolean> {
    if (!from.repository || from.location !== this.location) return false;
    const url = `${this.reg.base}/v2/${this.repository}/blobs/uploads/?mount=${encodeURIComponent(d.digest)}&from=${encodeURIComponent(from.repository)}`;
    let res: Answer;
    try {
      res = await this.reg.request('POST', url, {
        scopes: [...this.push(), `repository:${from.repository}:pull`],
      });
    } catch (err) {
      // A mount is only a shortcut: without read access to the source repository here
      // (a token scoped to the target only), the blob is copied instead.
      if (err instanceof UserError) return false;
      throw err;
    }
    if (res.status === 201) return true;
    // 202: the registry opened an ordinary upload instead; the copy uses it. Anything else:
    // the copy opens its own.
    const location = res.status === 202 ? res.header('location') : null;
    if (location) this.pending.set(d.digest, new URL(location, this.reg.base).toString());
    return false;
  }

  async prepareBlob(d: Descriptor): Promise<void> {
    if (!this.pending.has(d.digest)) this.pending.set(d.digest, await this.startUpload(d));
  }

  async discardBlob(d: Descriptor): Promise<void> {
    const location = this.pending.get(d.digest);
    if (!location) return;
    this.pending.delete(d.digest);
    await this.cancelUpload(location);
  }

  private async startUpload(d: Descriptor): Promise<string> {
    const start = await this.reg.request(
      'POST',
      `${this.reg.base}/v2/${this.repository}/blobs/uploads/`,
      { scopes: this.push() },
    );
    this.expect(start, [202], `start upload of ${d.digest}`);
    const loc = start.header('location');
    if (!loc) throw new UserError(`${this.name}: the registry opened an upload without a Location`);
    return new URL(loc, this.reg.base).toString();
  }

  async putBlob(d: Descriptor, body: Readable): Promise<void> {
    const location = this.pending.get(d.digest) ?? (await this.startUpload(d));
    this.pending.delete(d.digest);
    const url = new URL(location);
    url.searchParams.set('digest', d.digest);
    let res: IncomingMessage;
    try {
      res = await this.reg.stream('PUT', url.toString(), {
        scopes: this.push(),
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(d.size),
        },
        body,
      });
    } catch (err) {
      body.destroy();
      await this.cancelUpload(location);
      throw err;
    }
    const status = res.statusCode ?? 0;
    const text = await nodeText(res);
    if (status === 201 || status === 204) return;
    const { codes, detail } = parseErrors(text);
    await this.cancelUpload(location);
    const what = `${this.name}: upload of ${d.digest} answered HTTP ${status}${detail ? ` (${detail})` : ''}`;
    if (status === 400) {
      // A concurrent upload of the same blob may have landed meanwhile: then it is there.
      if (await this.hasBlob(d)) return;
      if (codes.includes('DIGEST_INVALID')) throw new DigestMismatchError(what);
    }
    throw new UserError(what);
  }

  /**
   * Abandon an upload session so the registry does not keep half a blob around. A token
   * registry asks for the `delete` action for it (docker-registry's challenge names
   * `repository:<name>:delete`), which a login may lack: a refusal is said in the log (the
   * registry drops stale sessions itself), never hidden.
   */
  private async cancelUpload(location: string): Promise<void> {
    const path = new URL(location).pathname;
    try {
      const res = await this.reg.request('DELETE', location, {
        scopes: [`repository:${this.repository}:delete`],
      });
      if ([200, 202, 204, 404].includes(res.status)) return;
      this.log.info(
        `${this.name}: cancelling upload ${path} answered HTTP ${res.status}; the registry will drop it when it expires`,
      );
    } catch (err) {
      this.log.info(
        `${this.name}: cancelling upload ${path} failed (${errorMessage(err)}); the registry will drop it when it expires`,
      );
    }
  }

  async referrers(digest: string): Promise<Descriptor[] | undefined> {
    const res = await this.reg.request('GET', this.url('referrers', digest), {
      scopes: this.pull(),
      headers: { accept: MEDIA.ociIndex },
    });
    if (res.status !== 200 || !(res.header('content-type') ?? '').includes(MEDIA.ociIndex)) {
      return undefined;
    }
    if (res.tooLarge) {
      throw new UserError(`${this.name}: the referrers of ${digest} are over the 4 MiB limit`);
    }
    const index = res.json() as { manifests?: Descriptor[] };
    return index.manifests ?? [];
  }

  private async head(url: string, headers: Record<string, string>): Promise<boolean> {
    const res = await this.reg.request('HEAD', url, { scopes: this.pull(), headers });
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw new UserError(`${this.name}: HEAD ${new URL(url).pathname} answered HTTP ${res.status}`);
  }

  private expect(res: Answer, ok: number[], what: string): void {
    if (ok.includes(res.status)) return;
    const { detail } = errorBody(res);
    throw new UserError(
      `${this.name}: ${what} answered HTTP ${res.status}${detail ? ` (${detail})` : ''}`,
    );
  }
}

/** The useful part of a fetch failure: the HTTP status, or the socket error's code. */
function networkReason(err: unknown): string {
  if (err instanceof RetryableError) return err.message.replace(/^.*: (HTTP \d+)$/, '$1');
  const parts = [...causes(err, 4)].map((e) => {
    const code = (e as { code?: string }).code;
    const message = (e as Error).message;
    return code && !message?.includes(code) ? `${message} (${code})` : message;
  });
  return parts.filter(Boolean).join(': ');
}
