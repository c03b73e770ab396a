import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { DemoPlan } from './types.js';

const LAYOUT = '_out/image';
const OCI = 'application/vnd.oci.image';

interface Blob {
  mediaType: string;
  digest: string;
  size: number;
}

function put(dir: string, bytes: Buffer, mediaType: string): Blob {
  const hex = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(path.join(dir, 'blobs', 'sha256', hex), bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}

/** A one-file tar (ustar), enough for a real image layer. */
function tar(name: string, content: string): Buffer {
  const body = Buffer.from(content);
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\u000000', 257);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  const pad = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([header, body, pad, Buffer.alloc(1024)]);
}

/**
 * "Build once": a two-platform image written as an OCI layout in the workspace and tagged
 * `dev`, as the dev stage's build would leave it. Returns nothing; the action reads the layout.
 */
function buildImage(workspace: string): void {
  const dir = path.join(workspace, LAYOUT);
  mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const layerTar = tar('etc/virt-ci/build-info', `built once at ${new Date().toISOString()}\n`);
  const diffId = `sha256:${createHash('sha256').update(layerTar).digest('hex')}`;
  const layer = put(dir, gzipSync(layerTar), `${OCI}.layer.v1.tar+gzip`);
  const manifests = ['amd64', 'arm64'].map((arch) => {
    const config = put(
      dir,
      Buffer.from(
        JSON.stringify({
          architecture: arch,
          os: 'linux',
          rootfs: { type: 'layers', diff_ids: [diffId] },
        }),
      ),
      `${OCI}.config.v1+json`,
    );
    const manifest = put(
      dir,
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: `${OCI}.manifest.v1+json`,
          config,
          layers: [layer],
        }),
      ),
      `${OCI}.manifest.v1+json`,
    );
    return { ...manifest, platform: { architecture: arch, os: 'linux' } };
  });
  const index = put(
    dir,
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: `${OCI}.index.v1+json`, manifests })),
    `${OCI}.index.v1+json`,
  );
  writeFileSync(
    path.join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: `${OCI}.index.v1+json`,
      manifests: [{ ...index, annotations: { 'org.opencontainers.image.ref.name': 'dev' } }],
    }),
  );
}

/** promote-digest's part in the pipeline demo. */
export const promoteDigestDemo: DemoPlan = (stage, ctx) => {
  if (stage !== 'promote') return undefined;
  const targets = ctx.profile.environments.filter((e) => e.name !== 'dev').map((e) => `:${e.name}`);
  return {
    action: 'promote-digest',
    title: 'Promote the dev image by digest',
    inputs: {
      source: `oci:${LAYOUT}:dev`,
      targets: targets.join(','),
      record: '_out/promotion.intoto.json',
    },
    prepare: async (c) => buildImage(c.workspace),
    describe: (r) => {
      const promoted = JSON.parse(r.outputs.promoted || '[]') as Array<{
        target: string;
        status: string;
      }>;
      return `${r.outputs.digest?.slice(0, 19)}… → ${promoted.map((t) => `${t.target.split(':').pop()} (${t.status})`).join(', ')}; record ${r.outputs.record}`;
    },
    after: (r, c) => {
      c.shared.set('promote-digest:digest', r.outputs.digest);
    },
  };
};
