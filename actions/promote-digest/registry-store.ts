import type { Log } from '../../shared/action/log.js';
import { UserError, causes } from '../../shared/errors.js';
import {
  RetryableError,
  fetchWithRetry,
  isRetryableStatus,
  parseRetryAfter,
  type RetryPolicy,
} from '../../shared/retry.js';
import { Authorizer } from './auth.js';
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
import { type Stats, type Store, countedPolicy } from './store.js';

/** Manifests are small; a bigger answer is not a manifest (the spec's suggested limit). */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

interface ConnectionOptions {
  credentials: Credentials;
  insecure: readonly string[];
  /** Told the Basic values and tokens made from the credentials. */
  mask: (s: string) => void;
  stats: Stats;
  retry: RetryPolicy;
  log: Log;
}

type Body = string | Buffer | ReadableStream<Uint8Array>;

interface RequestOptions {
  scopes: string[];
  headers?: Record<string, string>;
  body?: Body;
}

/**
 * One registry host speaking the OCI distribution API over fetch (undici). Holds the host's
 * authorization so every repository on it shares tokens; replayable requests retry under the
 * project's policy, streamed uploads are retried whole by the caller.
 */
export class Registry {
  readonly base: string;
  private readonly auth: Authorizer;
  private readonly policy: RetryPolicy;

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
    );
  }

  repository(name: string): Store {
    return new RegistryStore(this, name, this.opts.stats);
  }

  async request(method: string, url: string, o: RequestOptions): Promise<Response> {
    let scopes = o.scopes;
    for (let round = 0; ; round++) {
      const authorization = await this.auth.header(scopes);
      const headers: Record<string, string> = { ...o.headers };
      if (authorization) headers.authorization = authorization;
      const res = await this.send(method, url, headers, o.body);
      const denied =
        res.status === 401 ||
        (res.status === 403 &&
          /insufficient_scope/.test(res.headers.get('www-authenticate') ?? ''));
      if (!denied) return res;
      await res.body?.cancel().catch(() => undefined);
      // A refused cached token (expired early, revoked) earns one fresh try with the same scopes.
      const next =
        round < 3
          ? (this.auth.learn(res.headers.get('www-authenticate'), scopes, !!authorization) ??
            (round === 0 && authorization ? scopes : undefined))
          : undefined;
      if (!next) {
        throw new UserError(
          `registry ${this.host}: ${method} ${new URL(url).pathname} was refused (HTTP ${res.status}); check the credentials and that they may ${scopes.some((s) => s.endsWith('push')) ? 'push to' : 'pull from'} the repository`,
        );
      }
      if (o.body instanceof ReadableStream) {
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
  ): Promise<Response> {
    this.opts.stats.requests++;
    if (body instanceof ReadableStream) {
      const res = await fetch(url, {
        method,
        headers,
        body,
        duplex: 'half',
        redirect: 'follow',
      } as RequestInit);
      if (isRetryableStatus(res.status)) {
        await res.body?.cancel().catch(() => undefined);
        throw new RetryableError(
          `${method} ${url}: HTTP ${res.status}`,
          parseRetryAfter(res.headers.get('retry-after')),
        );
      }
      return res;
    }
    try {
      return await fetchWithRetry(url, { method, headers, body, redirect: 'follow' }, this.policy);
    } catch (err) {
      throw new UserError(
        `registry ${this.host}: ${method} ${new URL(url).pathname} failed after retries: ${networkReason(err)}`,
        { cause: err },
      );
    }
  }
}

class RegistryStore implements Store {
  readonly name: string;
  readonly location: string;
  private readonly pending = new Map<string, string>();

  constructor(
    private readonly reg: Registry,
    readonly repository: string,
    private readonly stats: Stats,
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
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    await this.expect(res, [200], `GET manifest ${ref}`);
    const length = Number(res.headers.get('content-length') ?? '0');
    if (length > MAX_MANIFEST_BYTES) {
      await res.body?.cancel();
      throw new UserError(
        `${this.name}: manifest ${ref} is ${length} bytes, over the 4 MiB manifest limit`,
      );
    }
    const bytes = await readCapped(res, MAX_MANIFEST_BYTES, `${this.name}: manifest ${ref}`);
    const headerDigest = res.headers.get('docker-content-digest') ?? undefined;
    const digest = checkDigest(bytes, DIGEST.test(ref) ? ref : headerDigest, `${this.name}:${ref}`);
    const contentType = (res.headers.get('content-type') ?? '').split(';')[0].trim();
    const mediaType = MANIFEST_TYPES.includes(contentType) ? contentType : mediaTypeOf(bytes);
    return { bytes, digest, mediaType };
  }

  async tagDigest(tag: string): Promise<string | undefined> {
    // HEAD, not GET: Docker Hub counts manifest GETs against its pull rate limit.
    const res = await this.reg.request('HEAD', this.url('manifests', tag), {
      scopes: this.pull(),
      headers: { accept: MANIFEST_TYPES.join(', ') },
    });
    await res.body?.cancel();
    if (res.status === 404) return undefined;
    if (res.status !== 200) {
      throw new UserError(`${this.name}: HEAD manifest ${tag} answered HTTP ${res.status}`);
    }
    const digest = res.headers.get('docker-content-digest');
    if (digest && DIGEST.test(digest)) return digest;
    return (await this.getManifest(tag))?.digest;
  }

  async hasManifest(digest: string): Promise<boolean> {
    return this.head(this.url('manifests', digest), { accept: MANIFEST_TYPES.join(', ') });
  }

  async putManifest(m: Manifest, ref: string): Promise<void> {
    const res = await this.reg.request('PUT', this.url('manifests', ref), {
      scopes: this.push(),
      headers: { 'content-type': m.mediaType },
      body: m.bytes,
    });
    await this.expect(res, [201, 200], `PUT manifest ${ref}`);
    await res.body?.cancel();
    const stored = res.headers.get('docker-content-digest');
    if (stored && stored !== m.digest) {
      throw new UserError(
        `${this.name}: the registry stored manifest ${ref} as ${stored}, not ${m.digest}; it rewrote the bytes`,
      );
    }
    this.stats.manifestsWritten++;
  }

  async hasBlob(d: Descriptor): Promise<boolean> {
    return this.head(this.url('blobs', d.digest), {});
  }

  async openBlob(d: Descriptor): Promise<ReadableStream<Uint8Array>> {
    const res = await this.reg.request('GET', this.url('blobs', d.digest), { scopes: this.pull() });
    await this.expect(res, [200], `GET blob ${d.digest}`);
    if (!res.body) throw new UserError(`${this.name}: blob ${d.digest} came back empty`);
    return res.body;
  }

  async mountBlob(d: Descriptor, from: Store): Promise<boolean> {
    if (!from.repository || from.location !== this.location) return false;
    const url = `${this.reg.base}/v2/${this.repository}/blobs/uploads/?mount=${encodeURIComponent(d.digest)}&from=${encodeURIComponent(from.repository)}`;
    let res: Response;
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
    await res.body?.cancel();
    if (res.status === 201) return true;
    // 202: the registry opened an ordinary upload instead; the copy uses it. Anything else:
    // the copy opens its own.
    const location = res.status === 202 ? res.headers.get('location') : null;
    if (location) this.pending.set(d.digest, new URL(location, this.reg.base).toString());
    return false;
  }

  async putBlob(d: Descriptor, body: ReadableStream<Uint8Array>): Promise<void> {
    let location = this.pending.get(d.digest);
    this.pending.delete(d.digest);
    if (!location) {
      const start = await this.reg.request(
        'POST',
        `${this.reg.base}/v2/${this.repository}/blobs/uploads/`,
        {
          scopes: this.push(),
        },
      );
      await this.expect(start, [202], `start upload of ${d.digest}`);
      await start.body?.cancel();
      const loc = start.headers.get('location');
      if (!loc)
        throw new UserError(`${this.name}: the registry opened an upload without a Location`);
      location = new URL(loc, this.reg.base).toString();
    }
    const url = new URL(location);
    url.searchParams.set('digest', d.digest);
    try {
      const res = await this.reg.request('PUT', url.toString(), {
        scopes: this.push(),
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(d.size),
        },
        body,
      });
      await this.expect(res, [201, 204], `upload of ${d.digest}`);
      await res.body?.cancel();
    } catch (err) {
      await body.cancel().catch(() => undefined);
      // Abandon the session so the registry does not keep half a blob around.
      await this.reg
        .request('DELETE', location, { scopes: this.push() })
        .then((r) => r.body?.cancel())
        .catch(() => undefined);
      throw err;
    }
  }

  async referrers(digest: string): Promise<Descriptor[] | undefined> {
    const res = await this.reg.request('GET', this.url('referrers', digest), {
      scopes: this.pull(),
      headers: { accept: MEDIA.ociIndex },
    });
    if (res.status !== 200 || !(res.headers.get('content-type') ?? '').includes(MEDIA.ociIndex)) {
      await res.body?.cancel();
      return undefined;
    }
    const index = (await res.json()) as { manifests?: Descriptor[] };
    return index.manifests ?? [];
  }

  private async head(url: string, headers: Record<string, string>): Promise<boolean> {
    const res = await this.reg.request('HEAD', url, { scopes: this.pull(), headers });
    await res.body?.cancel();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw new UserError(`${this.name}: HEAD ${new URL(url).pathname} answered HTTP ${res.status}`);
  }

  private async expect(res: Response, ok: number[], what: string): Promise<void> {
    if (ok.includes(res.status)) return;
    const text = await res.text().catch(() => '');
    let detail = text.slice(0, 200);
    try {
      const errs = (JSON.parse(text) as { errors?: Array<{ code?: string; message?: string }> })
        .errors;
      if (errs?.length) detail = errs.map((e) => `${e.code}: ${e.message}`).join('; ');
    } catch {
      // not the distribution error format; keep the text
    }
    throw new UserError(
      `${this.name}: ${what} answered HTTP ${res.status}${detail ? ` (${detail.replace(/\s+/g, ' ').trim()})` : ''}`,
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

/** Read a body that must be small, without trusting Content-Length to be there. */
async function readCapped(res: Response, max: number, what: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.length;
    if (size > max) {
      await res.body?.cancel().catch(() => undefined);
      throw new UserError(`${what} is over the ${max / 1024 / 1024} MiB manifest limit`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
