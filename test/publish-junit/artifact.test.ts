import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors, run } from '../support/harness.js';
import { junitXml, workspaceWith } from './make-report.js';

/**
 * The artifact upload through the bundled action and the real @actions/artifact client,
 * against a local stand-in of the two services it talks to (nothing of GitHub is reachable
 * here): the Actions results service (Twirp JSON: CreateArtifact → a signed blob URL,
 * FinalizeArtifact → the artifact ID) and the blob store behind the signed URL (Azure block
 * blob: PUT ?comp=block per block, then PUT ?comp=blocklist). The stand-in keeps the blocks,
 * so the test checks the zip that arrived and the hash the client declared.
 */
const SERVICE = '/twirp/github.actions.results.api.v1.ArtifactService/';
const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
// The client reads the run and job IDs from the token's scope; it does not verify the signature.
const RUNTIME_TOKEN = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ scp: 'Actions.GenericRead Actions.Results:run-1:job-2' })}.sig`;

interface Upload {
  create?: Record<string, unknown>;
  finalize?: Record<string, unknown>;
  blocks: Map<string, Buffer>;
  blob?: Buffer;
}

let server: http.Server;
let url = '';
const uploads: Upload[] = [];
let failFinalize = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const u = new URL(req.url ?? '/', url);
      const json = (status: number, o: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(o));
      };
      if (req.method === 'POST' && u.pathname === `${SERVICE}CreateArtifact`) {
        if (req.headers.authorization !== `Bearer ${RUNTIME_TOKEN}`)
          return json(401, { msg: 'no token' });
        const create = JSON.parse(body.toString()) as Record<string, unknown>;
        uploads.push({ create, blocks: new Map() });
        return json(200, {
          ok: true,
          signedUploadUrl: `${url}/blob/${uploads.length - 1}?sig=test`,
        });
      }
      if (req.method === 'POST' && u.pathname === `${SERVICE}FinalizeArtifact`) {
        if (failFinalize > 0) {
          failFinalize--;
          return json(503, { code: 'unavailable', msg: 'try again' });
        }
        uploads.at(-1)!.finalize = JSON.parse(body.toString()) as Record<string, unknown>;
        return json(200, { ok: true, artifactId: '4242' });
      }
      const blob = /^\/blob\/(\d+)$/.exec(u.pathname);
      if (req.method === 'PUT' && blob && u.searchParams.get('sig') === 'test') {
        const up = uploads[Number(blob[1])];
        const headers = {
          etag: '"0x1"',
          'last-modified': new Date().toUTCString(),
          'x-ms-request-id': 'r1',
          'x-ms-version': '2025-01-05',
        };
        if (u.searchParams.get('comp') === 'block') {
          up.blocks.set(u.searchParams.get('blockid') ?? '', body);
          res.writeHead(201, headers);
          return res.end();
        }
        if (u.searchParams.get('comp') === 'blocklist') {
          const ids = [
            ...body.toString().matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)</g),
          ].map((m) => m[1]);
          up.blob = Buffer.concat(ids.map((id) => up.blocks.get(id) ?? Buffer.alloc(0)));
          res.writeHead(201, headers);
          return res.end();
        }
        // A single-shot upload (small blobs).
        up.blob = body;
        res.writeHead(201, headers);
        return res.end();
      }
      json(404, { msg: `not served: ${req.method} ${u.pathname}` });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

describe('artifact', () => {
  it('uploads the reports and logs, even when tests failed, and outputs the artifact ID', async () => {
    const ws = workspaceWith({
      'reports/kvm.xml': junitXml({ passed: 2, failed: 1 }),
      'logs/virt-launcher.log': 'launcher log line\n',
      'logs/ignored.txt': 'not a log\n',
    });
    // The client retries the results service on its own: one 503 is taken in stride.
    failFinalize = 1;
    const r = await run('publish-junit', {
      workspace: ws,
      inputs: {
        paths: 'reports/*.xml',
        logs: 'logs/*.log',
        artifact: 'junit-test-kvm',
        'retention-days': '5',
        'check-run': 'false',
      },
      env: { ACTIONS_RUNTIME_TOKEN: RUNTIME_TOKEN, ACTIONS_RESULTS_URL: `${url}/` },
    });
    expect(r.exitCode).toBe(1); // a test failed
    expect(errors(r)).toEqual([
      'VMI 0 did not boot', // the failure's annotation
      'publish-junit "JUnit": 1 of 3 tests failed (1 failures, 0 errors)',
    ]);
    expect(r.outputs['artifact-id']).toBe('4242');
    const up = uploads.at(-1)!;
    // Twirp JSON carries the protobuf field names.
    expect(up.create).toMatchObject({
      workflow_run_backend_id: 'run-1',
      workflow_job_run_backend_id: 'job-2',
      name: 'junit-test-kvm',
    });
    const days = (Date.parse(String(up.create!.expires_at)) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(4.9);
    expect(days).toBeLessThan(5.1);
    const zip = up.blob!;
    expect(zip.subarray(0, 4).toString('hex')).toBe('504b0304'); // a zip
    const text = zip.toString('latin1');
    expect(text).toContain('reports/kvm.xml');
    expect(text).toContain('logs/virt-launcher.log');
    expect(text).not.toContain('logs/ignored.txt');
    expect(up.finalize).toMatchObject({
      name: 'junit-test-kvm',
      size: String(zip.length),
      hash: `sha256:${createHash('sha256').update(zip).digest('hex')}`,
    });
  });

  it('fails with one line when the service refuses, after publishing the rest', async () => {
    const ws = workspaceWith({ 'reports/a.xml': junitXml({ passed: 1 }) });
    const r = await run('publish-junit', {
      workspace: ws,
      inputs: { paths: 'reports/*.xml', artifact: 'junit', 'check-run': 'false' },
      env: { ACTIONS_RUNTIME_TOKEN: 'not-a-jwt', ACTIONS_RESULTS_URL: `${url}/` },
    });
    expect(r.exitCode).toBe(1);
    expect(r.outputs.total).toBe('1');
    expect(r.summary).toMatch(/^### ✅ JUnit: 1 tests, 1 passed/);
    expect(errors(r)).toHaveLength(1);
    expect(errors(r)[0]).toMatch(
      /^publish-junit "JUnit": input "artifact": uploading "junit" failed: /,
    );
  });
});
