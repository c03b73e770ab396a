// Generated from actions/promote-digest/action.yml by `npm run docs`; do not edit. A test fails when it drifts.
export const INPUTS = ['source', 'digest', 'targets', 'credentials', 'referrers', 'overwrite', 'verify-only', 'record', 'concurrency', 'insecure-registries', 'profile', 'environment'] as const;
export type Input = (typeof INPUTS)[number];
export const OUTPUTS = ['digest', 'ref', 'promoted', 'bytes-copied', 'blobs-mounted', 'blobs-skipped', 'record'] as const;
export type Output = (typeof OUTPUTS)[number];
