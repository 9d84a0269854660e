import { systemClock } from './clock.js';
import type { ProbeConfig } from './config.js';
import { Fleet } from './fleet.js';
import { formatEndpoint, type Endpoint } from './net/resolve.js';
import { runRamp } from './probe.js';
import type { RampResult, RoundRecord } from './result.js';

/** Returns the fleet for a run of this config against one endpoint. */
export function makeFleet(config: ProbeConfig, endpoint: Endpoint): Fleet {
  return new Fleet({
    endpoints: [endpoint],
    dialTimeoutMs: config.dialTimeoutMs,
    keepaliveMs: config.keepaliveMs,
    maxInflight: config.maxInflight,
    send: config.send,
    expect: config.expect,
    expectTimeoutMs: config.expectTimeoutMs,
    settleMs: config.settleMs,
    reopen: config.mode === 'ramp' && config.reopen,
    now: systemClock.now,
  });
}

/** Returns the result of a ramp against the endpoint on the real clock; its connections are always closed after. */
export async function runRampProbe(
  config: ProbeConfig,
  endpoint: Endpoint,
  options: { signal: AbortSignal; onRound?: (round: RoundRecord) => void },
): Promise<RampResult> {
  const fleet = makeFleet(config, endpoint);
  try {
    return await runRamp(config, { fleet, clock: systemClock, signal: options.signal, dialed: formatEndpoint(endpoint), ...(options.onRound ? { onRound: options.onRound } : {}) });
  } finally {
    await fleet.stop();
  }
}
