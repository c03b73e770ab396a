import { createHash } from 'node:crypto';
import { errorMessage } from '../../shared/errors.js';

/**
 * The downloaded .deb files in the Actions cache. Caching the .debs rather than the installed
 * files keeps dpkg in charge: install scripts run on every job, which qemu and libvirt need
 * (users, groups, units, udev rules). The key is the package set, the OS release and the
 * architecture: a different image or package list gets its own entry.
 */
export function cacheKey(
  packages: readonly string[],
  os: { id: string; versionId: string },
  arch: string,
): string {
  const digest = createHash('sha256')
    .update([...packages].sort().join('\n'))
    .digest('hex')
    .slice(0, 16);
  return `virt-ci-apt-${os.id}-${os.versionId}-${arch}-${digest}`;
}

/**
 * The key an archive directory is saved under: the base key plus a digest of the .deb files
 * it holds. When the archive moves on (a security update, a new point release), the content
 * key changes and a new entry is saved; a run restores the newest entry for its base key.
 */
export function contentKey(base: string, debs: Iterable<string>): string {
  const digest = createHash('sha256')
    .update([...debs].sort().join('\n'))
    .digest('hex')
    .slice(0, 12);
  return `${base}-${digest}`;
}

export interface RestoreResult {
  /** The key of the entry restored; undefined on a miss. */
  matched?: string;
  /** The reason the cache was not used, when it was not. */
  note?: string;
}

export async function restoreDebs(dir: string, base: string): Promise<RestoreResult> {
  const cache = await import('@actions/cache');
  if (!cache.isFeatureAvailable()) return { note: 'no cache service in this job' };
  try {
    // The base key itself is never saved: the prefix finds the newest content key.
    const matched = await cache.restoreCache([dir], base, [`${base}-`]);
    return matched ? { matched } : { note: 'no entry for this key yet' };
  } catch (err) {
    // A cache fault costs a download, never the job.
    return { note: `restore failed: ${errorMessage(err)}` };
  }
}

export async function saveDebs(dir: string, key: string): Promise<string> {
  const cache = await import('@actions/cache');
  if (!cache.isFeatureAvailable()) return 'no cache service in this job';
  try {
    const id = await cache.saveCache([dir], key);
    return id > 0 ? `saved as ${key}` : 'not saved (see the log)';
  } catch (err) {
    return `not saved: ${errorMessage(err)}`;
  }
}
