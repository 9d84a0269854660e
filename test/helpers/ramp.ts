import { systemClock } from '../../src/clock.js';
import { makeFleet } from '../../src/commands/probeCommand.js';
import { buildProbeConfig, type RawOptions } from '../../src/config.js';
import { resolveTarget } from '../../src/net/resolve.js';
import { runRamp } from '../../src/probe.js';
import type { RampResult } from '../../src/result.js';

/** Runs a ramp in this process against `address` with the given flags, and stops its fleet. */
export async function rampAgainst(address: string, raw: RawOptions, signal = new AbortController().signal): Promise<RampResult> {
  const config = buildProbeConfig(raw, [address], () => Buffer.alloc(0));
  const endpoint = await resolveTarget(config.target);
  const fleet = makeFleet(config, endpoint);
  try {
    return await runRamp(config, { fleet, clock: systemClock, signal, dialed: address });
  } finally {
    await fleet.stop();
  }
}
