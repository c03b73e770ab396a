// Generated from actions/select-tests/action.yml by `npm run docs`; do not edit. A test fails when it drifts.
export const INPUTS = ['profile', 'environment', 'label-filter', 'focus', 'skip', 'runner', 'inventory', 'pr-labels', 'token', 'quarantine', 'history', 'rerun', 'shard-count', 'shard-index', 'timings', 'matrix', 'fail-on-empty'] as const;
export type Input = (typeof INPUTS)[number];
export const OUTPUTS = ['label-filter', 'focus', 'skip', 'args', 'args-json', 'args-file', 'tests', 'count', 'total', 'matrix'] as const;
export type Output = (typeof OUTPUTS)[number];
