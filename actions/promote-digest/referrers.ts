import type { Copier } from './copier.js';
import {
  type Descriptor,
  type Manifest,
  MEDIA,
  cosignTags,
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
}

/** Signatures, attestations and SBOMs of `digest`: the referrers API, else tags. */
export async function collectReferrers(src: Store, digest: string): Promise<ReferrerItem[]> {
  const items: ReferrerItem[] = [];
  const listed = await src.referrers(digest);
  for (const d of listed ?? []) {
    const m = await src.getManifest(d.digest);
    if (m) items.push({ manifest: m });
  }
  const tags = listed ? cosignTags(digest) : [referrersTag(digest), ...cosignTags(digest)];
  for (const tag of tags) {
    const m = await src.getManifest(tag);
    if (m) items.push({ manifest: m, tag });
  }
  return items;
}

/** Copy the referrers into the copier's destination; returns how many. */
export async function copyReferrers(
  copier: Copier,
  items: ReferrerItem[],
  digest: string,
): Promise<number> {
  const dst = copier.dst;
  const viaApi: Descriptor[] = [];
  for (const item of items) {
    await copier.copyManifest(item.manifest);
    if (!item.tag) {
      viaApi.push(descriptorOf(item.manifest));
      continue;
    }
    if (item.tag === referrersTag(digest)) {
      await mergeReferrersIndex(
        dst,
        digest,
        parseManifest(item.manifest, dst.name).manifests ?? [],
        item.manifest,
      );
    } else {
      await dst.putManifest(item.manifest, item.tag);
    }
  }
  // A target without the referrers API finds referrers through the tag schema only.
  if (viaApi.length && (await dst.referrers(digest)) === undefined) {
    await mergeReferrersIndex(dst, digest, viaApi);
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
