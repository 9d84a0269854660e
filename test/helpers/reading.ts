import { emptyLatency, noLateAnswers, type FleetObservation } from '../../src/fleet/fleetReading.js';

/** Returns a fleet reading of nothing at all, with the given fields over it. */
export function reading(over: Partial<FleetObservation> = {}): FleetObservation {
  return {
    atMs: 0,
    live: { queued: 0, dialing: 0, unverified: 0, settling: 0, held: 0 },
    requested: 0,
    started: 0,
    reopened: 0,
    established: 0,
    verified: 0,
    waitedWhileServed: 0,
    failed: 0,
    dropped: 0,
    droppedHeld: 0,
    droppedOldest: 0,
    recycled: 0,
    failures: {},
    evidence: {},
    peakEstablished: 0,
    errorMs: [],
    sourceAddresses: [],
    bytesSent: 0,
    bytesReceived: 0,
    latency: emptyLatency(),
    bySource: {},
    servedBytes: null,
    late: noLateAnswers(),
    ...over,
  };
}
