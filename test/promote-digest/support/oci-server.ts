import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';

/**
 * An in-memory registry speaking the OCI distribution spec v1.1 for the calls promote-digest
 * makes, including what docker-registry 2.8 lacks: the referrers API
 * (GET /v2/<name>/referrers/<digest>) and the OCI-Subject header on a manifest PUT whose
 * body has a `subject`. Follows the spec's end-1 .. end-13 endpoints and status codes.
 */
export interface OciServer {
  host: string;
  manifests: Map<string, { bytes: Buffer; mediaType: string }>;
  /** Load an OCI layout's blobs and tags into a repository. */
  load(layout: string, repo: string): void;
  stop(): Promise<void>;
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface Registry {
  blobs: Map<string, Buffer>; // `${repo}@${digest}`
  manifests: Map<string, { bytes: Buffer; mediaType: string }>; // `${repo}@${digest}`
  tags: Map<string, string>; // `${repo}:${tag}` -> digest
  uploads: Map<string, string>; // id -> repo
}

/** One request with its whole body, and the answers every endpoint gives. */
interface Call {
  req: http.IncomingMessage;
  res: http.ServerResponse;
  method: string;
  url: URL;
  body: Buffer;
  fail(status: number, code: string): void;
}

export async function startOciServer(): Promise<OciServer> {
  const reg: Registry = {
    blobs: new Map(),
    manifests: new Map(),
    tags: new Map(),
    uploads: new Map(),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const fail = (status: number, code: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(
          method === 'HEAD'
            ? undefined
            : JSON.stringify({ errors: [{ code, message: code.toLowerCase() }] }),
        );
      };
      const url = new URL(req.url ?? '/', 'http://x');
      route(reg, { req, res, method, url, body: Buffer.concat(chunks), fail });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    host: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    manifests: reg.manifests,
    load: (layout, repo) => load(reg, layout, repo),
    stop: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function route(reg: Registry, call: Call): void {
  const { url, fail } = call;
  if (url.pathname === '/v2/') return void call.res.writeHead(200).end('{}');
  const upload = /^\/v2\/(.+)\/blobs\/uploads\/([\w-]*)$/.exec(url.pathname);
  if (upload) return uploadBlob(reg, call, upload[1], upload[2]);
  const m = /^\/v2\/(.+)\/(manifests|blobs|referrers)\/([^/]+)$/.exec(url.pathname);
  if (!m) return fail(404, 'NAME_UNKNOWN');
  const [, repo, kind, ref] = m;
  if (kind === 'blobs') return getBlob(reg, call, repo, ref);
  if (kind === 'referrers') return listReferrers(reg, call, repo, ref);
  if (call.method === 'PUT') return putManifest(reg, call, repo, ref);
  return getManifest(reg, call, repo, ref);
}

function uploadBlob(reg: Registry, call: Call, repo: string, id: string): void {
  const { method, url, res, body, fail } = call;
  if (method === 'POST') {
    const mount = url.searchParams.get('mount');
    const from = url.searchParams.get('from');
    if (mount && from && reg.blobs.has(`${from}@${mount}`)) {
      reg.blobs.set(`${repo}@${mount}`, reg.blobs.get(`${from}@${mount}`)!);
      return void res.writeHead(201, { location: `/v2/${repo}/blobs/${mount}` }).end();
    }
    const nid = randomUUID();
    reg.uploads.set(nid, repo);
    return void res.writeHead(202, { location: `/v2/${repo}/blobs/uploads/${nid}` }).end();
  }
  if (!reg.uploads.has(id)) return fail(404, 'BLOB_UPLOAD_UNKNOWN');
  if (method === 'DELETE') {
    reg.uploads.delete(id);
    return void res.writeHead(204).end();
  }
  if (method === 'PUT') {
    const digest = url.searchParams.get('digest');
    if (!digest || sha(body) !== digest) return fail(400, 'DIGEST_INVALID');
    reg.uploads.delete(id);
    reg.blobs.set(`${repo}@${digest}`, body);
    return void res
      .writeHead(201, {
        location: `/v2/${repo}/blobs/${digest}`,
        'docker-content-digest': digest,
      })
      .end();
  }
  return fail(405, 'UNSUPPORTED');
}

function getBlob(reg: Registry, call: Call, repo: string, ref: string): void {
  const b = reg.blobs.get(`${repo}@${ref}`);
  if (!b) return call.fail(404, 'BLOB_UNKNOWN');
  call.res.writeHead(200, { 'content-length': b.length, 'docker-content-digest': ref });
  call.res.end(call.method === 'HEAD' ? undefined : b);
}

function listReferrers(reg: Registry, call: Call, repo: string, ref: string): void {
  const found = [...reg.manifests.entries()]
    .filter(([k]) => k.startsWith(`${repo}@`))
    .flatMap(([k, v]) => {
      const p = JSON.parse(v.bytes.toString());
      if (p.subject?.digest !== ref) return [];
      return [
        {
          mediaType: v.mediaType,
          digest: k.slice(repo.length + 1),
          size: v.bytes.length,
          artifactType: p.artifactType ?? p.config?.mediaType,
          ...(p.annotations ? { annotations: p.annotations } : {}),
        },
      ];
    });
  call.res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' });
  call.res.end(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: found,
    }),
  );
}

function putManifest(reg: Registry, call: Call, repo: string, ref: string): void {
  const { body, fail } = call;
  const digest = sha(body);
  const mediaType = (call.req.headers['content-type'] ?? '').split(';')[0];
  const parsed = JSON.parse(body.toString());
  for (const d of [parsed.config, ...(parsed.layers ?? [])].filter(Boolean)) {
    if (!reg.blobs.has(`${repo}@${d.digest}`)) return fail(400, 'MANIFEST_BLOB_UNKNOWN');
  }
  for (const d of parsed.manifests ?? []) {
    if (!reg.manifests.has(`${repo}@${d.digest}`)) return fail(400, 'MANIFEST_UNKNOWN');
  }
  reg.manifests.set(`${repo}@${digest}`, { bytes: body, mediaType });
  if (!ref.startsWith('sha256:')) reg.tags.set(`${repo}:${ref}`, digest);
  const headers: Record<string, string> = {
    'docker-content-digest': digest,
    location: `/v2/${repo}/manifests/${digest}`,
  };
  if (parsed.subject) headers['oci-subject'] = parsed.subject.digest;
  call.res.writeHead(201, headers).end();
}

function getManifest(reg: Registry, call: Call, repo: string, ref: string): void {
  const digest = ref.startsWith('sha256:') ? ref : reg.tags.get(`${repo}:${ref}`);
  const found = digest && reg.manifests.get(`${repo}@${digest}`);
  if (!found) return call.fail(404, 'MANIFEST_UNKNOWN');
  call.res.writeHead(200, {
    'content-type': found.mediaType,
    'content-length': found.bytes.length,
    'docker-content-digest': digest,
  });
  call.res.end(call.method === 'HEAD' ? undefined : found.bytes);
}

function load(reg: Registry, layout: string, repo: string): void {
  const dir = path.join(layout, 'blobs', 'sha256');
  for (const hex of readdirSync(dir)) {
    const bytes = readFileSync(path.join(dir, hex));
    reg.blobs.set(`${repo}@sha256:${hex}`, bytes);
    try {
      const p = JSON.parse(bytes.toString());
      if (p.schemaVersion === 2 && p.mediaType)
        reg.manifests.set(`${repo}@sha256:${hex}`, { bytes, mediaType: p.mediaType });
    } catch {
      // a layer, not a manifest
    }
  }
  const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
  for (const d of index.manifests)
    reg.tags.set(`${repo}:${d.annotations['org.opencontainers.image.ref.name']}`, d.digest);
}
