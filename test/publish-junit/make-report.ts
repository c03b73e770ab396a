import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * JUnit reports written the way gotestsum does (its go.version suite property included: it
 * says a repeated case is a rerun), with as many passes and failures as asked.
 */
export interface ReportSpec {
  suite?: string;
  passed?: number;
  failed?: number;
  skipped?: number;
  /** Tests that fail once and pass on the rerun (gotestsum --rerun-fails style). */
  flaky?: number;
  /** Characters of failure text per failed test. */
  detailBytes?: number;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function junitXml(spec: ReportSpec): string {
  const suite = spec.suite ?? 'kubevirt.io/kubevirt/tests/l1hv';
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites>`,
    `<testsuite name="${esc(suite)}">`,
    `<properties><property name="go.version" value="go1.22.6 linux/amd64"></property></properties>`,
  ];
  for (let i = 0; i < (spec.passed ?? 0); i++)
    out.push(`<testcase classname="${esc(suite)}" name="TestPass${i}" time="0.010"></testcase>`);
  for (let i = 0; i < (spec.failed ?? 0); i++) {
    const text = `boot_test.go:${i + 10}: VMI not running\n\t/ws/tests/l1hv/boot_test.go:${i + 10}\n${'x'.repeat(spec.detailBytes ?? 0)}`;
    out.push(
      `<testcase classname="${esc(suite)}" name="TestFail${i}" time="1.5"><failure message="VMI ${i} did not boot" type="">${esc(text)}</failure></testcase>`,
    );
  }
  for (let i = 0; i < (spec.skipped ?? 0); i++)
    out.push(
      `<testcase classname="${esc(suite)}" name="TestSkip${i}" time="0"><skipped message="no mshv"/></testcase>`,
    );
  for (let i = 0; i < (spec.flaky ?? 0); i++) {
    out.push(
      `<testcase classname="${esc(suite)}" name="TestFlaky${i}" time="2"><failure message="race">lost the race</failure></testcase>`,
    );
    out.push(`<testcase classname="${esc(suite)}" name="TestFlaky${i}" time="2"></testcase>`);
  }
  out.push('</testsuite>', '</testsuites>', '');
  return out.join('\n');
}

/** A workspace holding the given files (relative path → content). */
export function workspaceWith(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pj-ws-'));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  return dir;
}
