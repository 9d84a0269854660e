import { zeroCounters } from '../../src/fleet/runCounters.js';
import { emptyLatency, noLateAnswers, type FleetObservation } from '../../src/fleet/fleetReading.js';

/** Returns a fleet reading of nothing at all, with the given fields over it. */
export function reading(over: Partial<FleetObservation> = {}): FleetObservation {
  return {
    atMs: 0,
    live: { queued: 0, dialing: 0, unverified: 0, settling: 0, held: 0 },
    ...zeroCounters(),
    failures: {},
    evidence: {},
    peakEstablished: 0,
    errorMs: [],
    sourceAddresses: [],
    latency: emptyLatency(),
    bySource: {},
    servedBytes: null,
    late: noLateAnswers(),
    ...over,
  };
}
