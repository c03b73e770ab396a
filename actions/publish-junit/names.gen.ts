// Generated from actions/publish-junit/action.yml by `npm run docs`; do not edit. A test fails when it drifts.
export const INPUTS = ['profile', 'environment', 'paths', 'name', 'summary', 'annotations', 'check-run', 'comment', 'token', 'artifact', 'logs', 'retention-days', 'fail-on', 'require-tests', 'flaky', 'history', 'aggregate', 'output'] as const;
export type Input = (typeof INPUTS)[number];
export const OUTPUTS = ['total', 'passed', 'failed', 'errors', 'skipped', 'flaky', 'pass-rate', 'duration', 'conclusion', 'results', 'check-url', 'artifact-id', 'new-failures', 'known-flaky', 'flake-rate'] as const;
export type Output = (typeof OUTPUTS)[number];
