import { systemClock } from './clock.js';
import type { ProbeConfig } from './config.js';
import { Fleet } from './fleet.js';
import { formatEndpoint, type Endpoint } from './net/resolve.js';
import { runRamp, type ProbeDeps } from './probe.js';
import { refineConfig, shouldRefine, withFirstPass } from './refine.js';
import type { RampResult } from './result.js';

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
  options: Pick<ProbeDeps, 'signal' | 'onRound' | 'onProgress' | 'progressEveryMs'>,
): Promise<RampResult> {
  const first = await onePass(config, endpoint, options);
  if (!shouldRefine(config, first) || options.signal.aborted) return first;
  // Every connection of the first pass is closed before the second starts: the target backs off.
  const second = await onePass(refineConfig(config, first), endpoint, options);
  return withFirstPass(second, first);
}

async function onePass(config: ProbeConfig, endpoint: Endpoint, options: Pick<ProbeDeps, 'signal' | 'onRound' | 'onProgress' | 'progressEveryMs'>): Promise<RampResult> {
  const fleet = makeFleet(config, endpoint);
  try {
    return await runRamp(config, { ...options, fleet, clock: systemClock, dialed: formatEndpoint(endpoint) });
  } finally {
    await fleet.stop();
  }
}
