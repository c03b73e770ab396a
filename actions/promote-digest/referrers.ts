import type { Copier } from './copier.js';
import {
  type Descriptor,
  type Manifest,
  MEDIA,
  cosignTags,
  isIndex,
  parseManifest,
  referrersTag,
  sha256,
} from './manifest.js';
import type { Store } from './store.js';

/**
 * Signatures, attestations and SBOMs of the promoted digest travel with it: found through the
 * OCI referrers API, else under the tag schema (sha256-<hex>) and cosign's tags.
 */
interface ReferrerItem {
  manifest: Manifest;
  /** The tag it was found under (tag schema or cosign); absent when found through the API. */
  tag?: string;
  /** The digest it refers to: the image, or one platform's manifest of it. */
  subject: string;
}

/**
 * Signatures, attestations and SBOMs of the image: the referrers API, else tags. For an
 * index, those of each platform's manifest too (`cosign sign --recursive` signs every one).
 */
export async function collectReferrers(src: Store, image: Manifest): Promise<ReferrerItem[]> {
  const subjects = [image.digest];
  if (isIndex(image.mediaType)) {
    for (const d of parseManifest(image, src.name).manifests ?? []) subjects.push(d.digest);
  }
  const items: ReferrerItem[] = [];
  for (const digest of subjects) items.push(...(await referrersOf(src, digest)));
  return items;
}

async function referrersOf(src: Store, digest: string): Promise<ReferrerItem[]> {
  const items: ReferrerItem[] = [];
  const listed = await src.referrers(digest);
  for (const d of listed ?? []) {
    const m = await src.getManifest(d.digest);
    if (m) items.push({ manifest: m, subject: digest });
  }
  const tags = listed ? cosignTags(digest) : [referrersTag(digest), ...cosignTags(digest)];
  for (const tag of tags) {
    const m = await src.getManifest(tag);
    if (m) items.push({ manifest: m, tag, subject: digest });
  }
  return items;
}

/** Copy the referrers into the copier's destination; returns how many. */
export async function copyReferrers(copier: Copier, items: ReferrerItem[]): Promise<number> {
  const dst = copier.dst;
  const viaApi = new Map<string, Descriptor[]>();
  for (const item of items) {
    await copier.copyManifest(item.manifest);
    if (!item.tag) {
      viaApi.set(item.subject, [...(viaApi.get(item.subject) ?? []), descriptorOf(item.manifest)]);
      continue;
    }
    if (item.tag === referrersTag(item.subject)) {
      await mergeReferrersIndex(
        dst,
        item.subject,
        parseManifest(item.manifest, dst.name).manifests ?? [],
        item.manifest,
      );
    } else if ((await dst.tagDigest(item.tag)) !== item.manifest.digest) {
      // A cosign tag already at this signature stays as it is: a rerun writes nothing.
      await dst.putManifest(item.manifest, item.tag);
    }
  }
  // A target without the referrers API finds referrers through the tag schema only.
  for (const [subject, listed] of viaApi) {
    if ((await dst.referrers(subject)) === undefined) {
      await mergeReferrersIndex(dst, subject, listed);
    }
  }
  return items.length;
}

function descriptorOf(m: Manifest): Descriptor {
  const p = parseManifest(m, 'referrer') as {
    artifactType?: string;
    config?: Descriptor;
    annotations?: Record<string, string>;
  };
  const d: Descriptor = { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
  const type = p.artifactType ?? p.config?.mediaType;
  if (type) d.artifactType = type;
  if (p.annotations) d.annotations = p.annotations;
  return d;
}

/** Keep the tag-schema index a union: referrers already at the target are not dropped. */
async function mergeReferrersIndex(
  dst: Store,
  digest: string,
  add: Descriptor[],
  asIs?: Manifest,
): Promise<void> {
  const tag = referrersTag(digest);
  const current = await dst.getManifest(tag);
  const have = current ? (parseManifest(current, dst.name).manifests ?? []) : [];
  const missing = add.filter((d) => !have.some((h) => h.digest === d.digest));
  if (current && missing.length === 0) return;
  if (!current && asIs) {
    await dst.putManifest(asIs, tag);
    return;
  }
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociIndex,
      manifests: [...have, ...missing],
    }),
  );
  await dst.putManifest({ bytes, mediaType: MEDIA.ociIndex, digest: sha256(bytes) }, tag);
}
