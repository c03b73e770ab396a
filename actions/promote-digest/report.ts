import type { OutputValue } from '../../shared/action/outcome.js';
import { codeBlock, details, escapeHtml, table } from '../../shared/summary.js';
import type { Output } from './names.gen.js';
import type { PromoteResult, RecordWritten, TargetResult } from './types.js';

const ORDER: Record<string, number> = {
  failed: 0,
  differs: 1,
  missing: 2,
  'not moved': 3,
  'rolled back': 4,
  overwritten: 5,
  moved: 5,
  created: 6,
  pushed: 7,
  unchanged: 8,
  verified: 9,
};

interface PromotionReport {
  outputs: Record<Output, OutputValue>;
  notes: string[];
  warnings: string[];
  summary: string;
}

/** The one place that turns a promotion into outputs, log lines and the job summary. */
export function report(
  r: PromoteResult,
  record?: RecordWritten,
  failure?: string,
): PromotionReport {
  return {
    outputs: {
      digest: r.digest,
      ref: r.targets[0]?.ref ?? r.sourceRef,
      promoted: r.targets.map((t) => ({
        target: t.target,
        ref: t.ref,
        status: t.status,
        previous: t.previous ?? null,
        holds: t.holds ?? null,
        referrers: t.referrers,
      })),
      'bytes-copied': String(r.stats.bytesCopied),
      'blobs-mounted': String(r.stats.blobsMounted),
      'blobs-skipped': String(r.stats.blobsSkipped),
      record: record?.file ?? '',
    },
    notes: [
      headline(r, failure),
      ...r.targets.map(
        (t) =>
          `  ${t.status.padEnd(11)} ${t.target}${t.previous && t.previous !== r.digest ? ` (was ${t.previous})` : ''}${t.status === 'overwritten' ? ` (now ${t.holds ?? 'absent'})` : ''}`,
      ),
    ],
    // A failure says it in its own line; a success that lost a tag to another run warns.
    warnings: failure
      ? []
      : r.targets
          .filter((t) => t.status === 'overwritten')
          .map(
            (t) =>
              `${t.target} holds ${t.holds ?? 'nothing'}, not ${r.digest}: another promotion wrote it after this one`,
          ),
    summary: summary(r, record, failure),
  };
}

function headline(r: PromoteResult, failure?: string): string {
  if (failure) return `promotion of ${r.digest} stopped: ${failure}`;
  if (r.verifyOnly && r.targets.length === 0) return `${r.source} is ${r.digest}`;
  if (r.verifyOnly) {
    const ok = r.targets.filter((t) => t.status === 'verified').length;
    return `verified ${ok} of ${r.targets.length} target(s) at ${r.digest}`;
  }
  if (!r.changed) return `nothing to do: every target already holds ${r.digest}`;
  const moved = r.targets.filter((t) => t.status === 'moved' || t.status === 'created').length;
  return `promoted ${r.digest} to ${moved} tag(s); ${r.stats.blobsCopied} blob(s) copied (${r.stats.bytesCopied} bytes), ${r.stats.blobsMounted} mounted, ${r.stats.blobsSkipped} already there`;
}

function summary(
  r: PromoteResult,
  record: RecordWritten | undefined,
  failure: string | undefined,
): string {
  const rows = [...r.targets]
    .sort((a, b) => (ORDER[a.status] ?? 99) - (ORDER[b.status] ?? 99))
    .map((t: TargetResult) => [
      t.status,
      t.target,
      t.previous && t.previous !== r.digest ? short(t.previous) : '',
      t.holds && t.holds !== r.digest ? short(t.holds) : '',
      t.referrers || '',
      t.error ?? '',
    ]);
  const parts = [
    `### ${failure ? '❌' : '✅'} promote-digest\n`,
    `${escapeMarkdown(headline(r, failure))}\n`,
    `Source \`${r.source}\` = \`${r.digest}\`${r.platforms.length ? ` (${r.platforms.join(', ')})` : ''}\n`,
    table(['status', 'target', 'was', 'holds', 'referrers', 'error'], rows),
    table(
      ['bytes copied', 'blobs copied', 'mounted', 'skipped', 'manifests written', 'requests'],
      [
        [
          r.stats.bytesCopied,
          r.stats.blobsCopied,
          r.stats.blobsMounted,
          r.stats.blobsSkipped,
          r.stats.manifestsWritten,
          r.stats.requests,
        ],
      ],
    ),
  ];
  if (record) {
    parts.push(
      details(
        `Promotion record (${record.file})`,
        codeBlock(JSON.stringify(record.statement, null, 2), 'json'),
      ),
    );
  }
  return parts.join('\n');
}

/** Text from registries (error answers) is shown as text: no markup, no HTML. */
function escapeMarkdown(text: string): string {
  return escapeHtml(text).replace(/[\\`*_[\]()#|~!]/g, '\\$&');
}

function short(digest: string): string {
  return digest.slice(0, 19);
}
