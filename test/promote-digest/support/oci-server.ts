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

export async function startOciServer(): Promise<OciServer> {
  const blobs = new Map<string, Buffer>(); // `${repo}@${digest}`
  const manifests = new Map<string, { bytes: Buffer; mediaType: string }>(); // `${repo}@${digest}`
  const tags = new Map<string, string>(); // `${repo}:${tag}` -> digest
  const uploads = new Map<string, string>(); // id -> repo

  const resolve = (repo: string, ref: string) =>
    ref.startsWith('sha256:') ? ref : tags.get(`${repo}:${ref}`);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://x');
      const method = req.method ?? 'GET';
      const fail = (status: number, code: string) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(
          method === 'HEAD'
            ? undefined
            : JSON.stringify({ errors: [{ code, message: code.toLowerCase() }] }),
        );
      };
      if (url.pathname === '/v2/') return void res.writeHead(200).end('{}');
      let m = /^\/v2\/(.+)\/blobs\/uploads\/([\w-]*)$/.exec(url.pathname);
      if (m) {
        const [, repo, id] = m;
        if (method === 'POST') {
          const mount = url.searchParams.get('mount');
          const from = url.searchParams.get('from');
          if (mount && from && blobs.has(`${from}@${mount}`)) {
            blobs.set(`${repo}@${mount}`, blobs.get(`${from}@${mount}`)!);
            return void res.writeHead(201, { location: `/v2/${repo}/blobs/${mount}` }).end();
          }
          const nid = randomUUID();
          uploads.set(nid, repo);
          return void res.writeHead(202, { location: `/v2/${repo}/blobs/uploads/${nid}` }).end();
        }
        if (!uploads.has(id)) return fail(404, 'BLOB_UPLOAD_UNKNOWN');
        if (method === 'DELETE') {
          uploads.delete(id);
          return void res.writeHead(204).end();
        }
        if (method === 'PUT') {
          const digest = url.searchParams.get('digest');
          if (!digest || sha(body) !== digest) return fail(400, 'DIGEST_INVALID');
          uploads.delete(id);
          blobs.set(`${repo}@${digest}`, body);
          return void res
            .writeHead(201, {
              location: `/v2/${repo}/blobs/${digest}`,
              'docker-content-digest': digest,
            })
            .end();
        }
        return fail(405, 'UNSUPPORTED');
      }
      m = /^\/v2\/(.+)\/(manifests|blobs|referrers)\/([^/]+)$/.exec(url.pathname);
      if (!m) return fail(404, 'NAME_UNKNOWN');
      const [, repo, kind, ref] = m;
      if (kind === 'blobs') {
        const b = blobs.get(`${repo}@${ref}`);
        if (!b) return fail(404, 'BLOB_UNKNOWN');
        res.writeHead(200, { 'content-length': b.length, 'docker-content-digest': ref });
        return void res.end(method === 'HEAD' ? undefined : b);
      }
      if (kind === 'referrers') {
        const found = [...manifests.entries()]
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
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' });
        return void res.end(
          JSON.stringify({
            schemaVersion: 2,
            mediaType: 'application/vnd.oci.image.index.v1+json',
            manifests: found,
          }),
        );
      }
      if (method === 'PUT') {
        const digest = sha(body);
        const mediaType = (req.headers['content-type'] ?? '').split(';')[0];
        const parsed = JSON.parse(body.toString());
        for (const d of [parsed.config, ...(parsed.layers ?? [])].filter(Boolean)) {
          if (!blobs.has(`${repo}@${d.digest}`)) return fail(400, 'MANIFEST_BLOB_UNKNOWN');
        }
        for (const d of parsed.manifests ?? []) {
          if (!manifests.has(`${repo}@${d.digest}`)) return fail(400, 'MANIFEST_UNKNOWN');
        }
        manifests.set(`${repo}@${digest}`, { bytes: body, mediaType });
        if (!ref.startsWith('sha256:')) tags.set(`${repo}:${ref}`, digest);
        const headers: Record<string, string> = {
          'docker-content-digest': digest,
          location: `/v2/${repo}/manifests/${digest}`,
        };
        if (parsed.subject) headers['oci-subject'] = parsed.subject.digest;
        return void res.writeHead(201, headers).end();
      }
      const digest = resolve(repo, ref);
      const found = digest && manifests.get(`${repo}@${digest}`);
      if (!found) return fail(404, 'MANIFEST_UNKNOWN');
      res.writeHead(200, {
        'content-type': found.mediaType,
        'content-length': found.bytes.length,
        'docker-content-digest': digest,
      });
      res.end(method === 'HEAD' ? undefined : found.bytes);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    host: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    manifests,
    load(layout, repo) {
      const dir = path.join(layout, 'blobs', 'sha256');
      for (const hex of readdirSync(dir)) {
        const bytes = readFileSync(path.join(dir, hex));
        blobs.set(`${repo}@sha256:${hex}`, bytes);
        try {
          const p = JSON.parse(bytes.toString());
          if (p.schemaVersion === 2 && p.mediaType)
            manifests.set(`${repo}@sha256:${hex}`, { bytes, mediaType: p.mediaType });
        } catch {
          // a layer, not a manifest
        }
      }
      const index = JSON.parse(readFileSync(path.join(layout, 'index.json'), 'utf8'));
      for (const d of index.manifests)
        tags.set(`${repo}:${d.annotations['org.opencontainers.image.ref.name']}`, d.digest);
    },
    stop: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
