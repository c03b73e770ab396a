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

export interface RestoreResult {
  hit: boolean;
  /** The reason the cache was not used, when it was not. */
  note?: string;
}

export async function restoreDebs(dir: string, key: string): Promise<RestoreResult> {
  const cache = await import('@actions/cache');
  if (!cache.isFeatureAvailable()) return { hit: false, note: 'no cache service in this job' };
  try {
    const matched = await cache.restoreCache([dir], key);
    return matched === key ? { hit: true } : { hit: false, note: 'no entry for this key yet' };
  } catch (err) {
    // A cache fault costs a download, never the job.
    return { hit: false, note: `restore failed: ${errorMessage(err)}` };
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
