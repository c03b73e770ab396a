import { createHash } from 'node:crypto';
import { UserError } from '../../shared/errors.js';

/** What the OCI image and distribution specs call a descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  artifactType?: string;
  annotations?: Record<string, string>;
  platform?: { architecture?: string; os?: string; variant?: string };
}

/** A manifest as fetched: the exact bytes, their media type and their digest. */
export interface Manifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export const MEDIA = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const;

/** Every manifest type a registry may answer with; the Accept header of every manifest GET. */
export const MANIFEST_TYPES: readonly string[] = [
  MEDIA.ociIndex,
  MEDIA.ociManifest,
  MEDIA.dockerList,
  MEDIA.dockerManifest,
];

export function sha256(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

interface Parsed {
  mediaType?: string;
  schemaVersion?: number;
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
}

export function parseManifest(m: Manifest, where: string): Parsed {
  try {
    return JSON.parse(m.bytes.toString('utf8')) as Parsed;
  } catch {
    throw new UserError(`${where}: manifest ${m.digest} is not JSON`);
  }
}

export function isIndex(mediaType: string): boolean {
  return mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList;
}

/** The media type a manifest declares, else the one its container (header, index) gave. */
export function mediaTypeOf(bytes: Buffer, fallback?: string): string {
  let parsed: Parsed;
  try {
    parsed = JSON.parse(bytes.toString('utf8')) as Parsed;
  } catch {
    return fallback ?? MEDIA.ociManifest;
  }
  return parsed.mediaType ?? fallback ?? (parsed.manifests ? MEDIA.ociIndex : MEDIA.ociManifest);
}

/** Child manifests (of an index) and blobs (of an image manifest). */
export function children(
  m: Manifest,
  where: string,
): { manifests: Descriptor[]; blobs: Descriptor[] } {
  const p = parseManifest(m, where);
  if (isIndex(m.mediaType) || (p.manifests && !p.layers)) {
    return { manifests: p.manifests ?? [], blobs: [] };
  }
  if (p.schemaVersion === 1) {
    throw new UserError(
      `${where}: manifest ${m.digest} is Docker schema 1, which registries no longer accept; allowed: OCI or Docker schema 2`,
    );
  }
  const blobs = [...(p.config ? [p.config] : []), ...(p.layers ?? [])];
  return { manifests: [], blobs };
}

/** Layers that live outside the registry by design (Windows base layers) are not copied. */
export function isForeign(d: Descriptor): boolean {
  return (d.urls?.length ?? 0) > 0 && /foreign|nondistributable/.test(d.mediaType);
}

/** The fallback tag of the OCI referrers tag schema: sha256-<hex>. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-');
}

/** Tags under which cosign stores signatures, attestations and SBOMs of an image. */
export function cosignTags(digest: string): string[] {
  const base = referrersTag(digest);
  return [`${base}.sig`, `${base}.att`, `${base}.sbom`];
}

export function checkDigest(bytes: Buffer, expected: string | undefined, where: string): string {
  const actual = sha256(bytes);
  if (expected && expected !== actual) {
    throw new UserError(
      `${where}: manifest bytes hash to ${actual}, not ${expected}; refusing to copy a manifest that does not match its digest`,
    );
  }
  return actual;
}
