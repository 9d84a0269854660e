/**
 * `serve` flags for a target that takes on 40 new connections a second at most, `limit` at once,
 * with an accept queue of 64 (past it, SYNs are dropped); a greeting is its service. Run it as a
 * process of its own (withServeProcess), so that its pace is its own, not the prober's event loop's.
 */
export const slowTarget = (limit: number): string[] => [
  '--max-connections',
  String(limit),
  '--over-limit',
  'close',
  '--banner',
  'HELLO\\r\\n',
  '--accept-rate',
  '40/s',
  '--backlog',
  '64',
];

/**
 * A ramp five times faster than the slow target takes connections on: on a machine busy with other
 * work it serves slower still, and the run has time to get there at that pace.
 */
export const fasterThanSlowTarget = {
  ramp: '200/s',
  settle: '300ms',
  expect: 'HELLO',
  expectTimeout: '1s',
  dialTimeout: '2s',
  maxDuration: '150s',
};
