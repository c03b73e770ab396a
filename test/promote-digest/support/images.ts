import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { run } from './registry.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

export interface Desc {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os: string; architecture: string };
  annotations?: Record<string, string>;
  artifactType?: string;
}

export const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Write one blob into an OCI layout (image-spec image-layout.md) by hand. */
export function writeBlob(layout: string, bytes: Buffer | string, mediaType: string): Desc {
  const buf = Buffer.from(bytes);
  const digest = sha(buf);
  mkdirSync(path.join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(path.join(layout, 'blobs', 'sha256', digest.slice(7)), buf);
  if (!existsSync(path.join(layout, 'oci-layout'))) {
    writeFileSync(path.join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  }
  return { mediaType, digest, size: buf.length };
}

export function tagLayout(layout: string, tag: string, d: Desc): void {
  const file = path.join(layout, 'index.json');
  const index = existsSync(file)
    ? JSON.parse(readFileSync(file, 'utf8'))
    : { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
  index.manifests = index.manifests.filter(
    (m: Desc) => m.annotations?.['org.opencontainers.image.ref.name'] !== tag,
  );
  index.manifests.push({
    ...d,
    platform: undefined,
    annotations: { 'org.opencontainers.image.ref.name': tag },
  });
  writeFileSync(file, JSON.stringify(index));
}

/** A single-platform image with random layers of the given sizes. */
export function writeImage(
  layout: string,
  o: {
    arch?: string;
    layers?: number[];
    tag?: string;
    shared?: Desc[];
    subject?: Desc;
    artifactType?: string;
  } = {},
): Desc {
  const arch = o.arch ?? 'amd64';
  const layers = [
    ...(o.shared ?? []),
    ...(o.layers ?? [1024]).map((n) =>
      writeBlob(layout, randomBytes(n), 'application/vnd.oci.image.layer.v1.tar+gzip'),
    ),
  ];
  const config = writeBlob(
    layout,
    JSON.stringify({
      architecture: arch,
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      nonce: randomBytes(4).toString('hex'),
    }),
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config,
    layers,
  };
  if (o.artifactType) manifest.artifactType = o.artifactType;
  if (o.subject)
    manifest.subject = {
      mediaType: o.subject.mediaType,
      digest: o.subject.digest,
      size: o.subject.size,
    };
  const d = writeBlob(layout, JSON.stringify(manifest), OCI_MANIFEST);
  const out = { ...d, platform: { os: 'linux', architecture: arch } };
  if (o.tag) tagLayout(layout, o.tag, d);
  return out;
}

/** A multi-arch index written by hand over the given images. */
export function writeIndex(layout: string, images: Desc[], tag?: string): Desc {
  const bytes = JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: images });
  const d = writeBlob(layout, bytes, OCI_INDEX);
  if (tag) tagLayout(layout, tag, d);
  return d;
}

/** A real single-arch image made with umoci (init, new, unpack, add a file, repack). */
export async function umociImage(layout: string, work: string, tag: string): Promise<void> {
  await run('umoci', ['init', '--layout', layout]);
  await run('umoci', ['new', '--image', `${layout}:base`]);
  const bundle = path.join(work, 'bundle');
  await run('umoci', ['unpack', '--rootless', '--image', `${layout}:base`, bundle]);
  mkdirSync(path.join(bundle, 'rootfs', 'etc'), { recursive: true });
  writeFileSync(
    path.join(bundle, 'rootfs', 'etc', 'virt-ci-test'),
    randomBytes(2048).toString('hex'),
  );
  await run('umoci', ['repack', '--image', `${layout}:${tag}`, bundle]);
}
