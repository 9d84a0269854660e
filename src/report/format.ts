import type { Diagnosis } from '../probe/diagnose.js';
import type { Evidence } from '../fleet/fleetReading.js';
import { FAILURE_KINDS, isProberKind, type FailureKind } from '../net/errors.js';
import type { FailureCounts } from '../probe/result.js';
import type { Summary } from '../stats/summarize.js';

/** Returns milliseconds as text with a sensible precision: `0.21ms`, `12.4ms`, `1520ms`. */
export function ms(value: number): string {
  if (value < 1) return `${value.toFixed(2)}ms`;
  if (value < 100) return `${value.toFixed(1)}ms`;
  return `${Math.round(value)}ms`;
}

/** Returns `min/avg/max/dev = a/b/c/d` for a summary, or `n/a`. */
export function minAvgMaxDev(summary: Summary | null): string {
  if (!summary) return 'n/a';
  return `min/avg/max/dev = ${ms(summary.min)}/${ms(summary.avg)}/${ms(summary.max)}/${ms(summary.dev)}`;
}

/** Returns failures by kind in report order: `refused 3, timeout 1`, or `none`. */
export function failureList(failures: FailureCounts): string {
  const parts = FAILURE_KINDS.filter((k) => (failures[k] ?? 0) > 0).map(
    (k) => `${k} ${failures[k]}${isProberKind(k) ? ' (prober limit)' : ''}`,
  );
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** Returns one line per failure kind with its first evidence. */
export function evidenceLines(failures: FailureCounts, evidence: Partial<Record<FailureKind, Evidence>>): string[] {
  return FAILURE_KINDS.filter((k) => (failures[k] ?? 0) > 0).map((k) => {
    const e = evidence[k] ?? {};
    const parts = [
      e.message ? `error ${JSON.stringify(e.message)}` : '',
      e.bytes ? `server sent ${JSON.stringify(e.bytes)}` : '',
    ].filter(Boolean);
    return `  ${k} x${failures[k]}${parts.length > 0 ? `: ${parts.join('; ')}` : ''}`;
  });
}

/** Returns the diagnosis as report lines: the side and cause, then what to look at. */
export function diagnosisLines(d: Diagnosis): string[] {
  const side = d.side === 'prober' ? "the prober's limit" : d.side === 'target' ? "the target's limit" : 'no limit yet';
  return [`Diagnosis (${side}): ${d.cause}`, `Look at: ${d.lookAt.join('; ')}`];
}

/** Returns text with its first letter in capitals. */
export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
