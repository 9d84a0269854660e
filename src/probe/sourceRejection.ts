import type { Evidence, SourceTally } from '../fleet/fleetReading.js';
import type { FailureKind } from '../net/errors.js';

/** Source addresses the target turned away while it served others: the prober's setup, not the target's capacity. */
export interface SourceRejection {
  /** Addresses none of whose connections was served, and that failed. */
  readonly rejected: readonly string[];
  /** Addresses whose connections were served, with few failures. */
  readonly accepted: readonly string[];
  /** What the target said or did to the first rejected address. */
  readonly evidence: (Evidence & { readonly kind: FailureKind }) | null;
}

/** A source counts as accepted while at most this share of its dials failed. */
const ACCEPTED_FAILURE_SHARE = 0.1;
/** Failures a source needs, none of its connections served, before it counts as rejected. */
const REJECTED_MIN_FAILURES = 2;

/**
 * Returns the rejection by source address that the tallies show, or null. A capacity limit meets
 * every source alike, since connections go to the sources round-robin; when some addresses had
 * every connection fail, none served, while others were served with (almost) no failures, the
 * target treats source addresses differently (an allow list, Redis protected mode, pg_hba.conf),
 * and the failures measure that, not capacity.
 */
export function findSourceRejection(bySource: Readonly<Record<string, SourceTally>>): SourceRejection | null {
  const rejected: string[] = [];
  const accepted: string[] = [];
  for (const [address, t] of Object.entries(bySource)) {
    if (t.served === 0 && t.failed >= REJECTED_MIN_FAILURES) rejected.push(address);
    else if (t.served > 0 && t.failed <= ACCEPTED_FAILURE_SHARE * t.attempts) accepted.push(address);
  }
  if (rejected.length === 0 || accepted.length === 0) return null;
  const evidence = bySource[rejected[0] as string]?.evidence ?? null;
  return { rejected, accepted, evidence };
}
