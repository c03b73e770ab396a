/**
 * An operator's readiness as the step reports it. Kept apart from the wait itself (live.ts)
 * so that the report, which every path prints, does not load the live-target code.
 */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface Readiness {
  ready: boolean;
  generation?: number;
  observedGeneration?: number;
  conditions: Condition[];
  /** Why it is not ready, or notes on what could not be checked. */
  reasons: string[];
}

export function formatConditions(r: Readiness): string {
  if (r.conditions.length === 0) return 'no conditions';
  return r.conditions
    .filter((c) => c.type)
    .map((c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason})` : ''}`)
    .join(', ');
}
