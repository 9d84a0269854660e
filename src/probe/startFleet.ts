import { systemClock } from '../clock.js';
import type { ProbeConfig } from '../config/probeConfig.js';
import type { FleetOptions } from '../fleet/fleet.js';
import { localControl, type FleetControl } from '../fleet/fleetControl.js';
import type { Route } from '../net/routes.js';
import { ShardedFleet } from '../fleet/shardedFleet.js';
import { localFleet } from '../fleet/localFleet.js';
import type { EngineName } from '../fleet/engineChoice.js';

/** Returns the fleet options of a run of this config over these routes (without the clock). */
export function fleetOptions(config: ProbeConfig, routes: readonly Route[]): Omit<FleetOptions, 'now'> {
  return {
    routes,
    dialTimeoutMs: config.dialTimeoutMs,
    keepaliveMs: config.keepaliveMs,
    maxInflight: config.maxInflight,
    send: config.send,
    expect: config.expect,
    expectTimeoutMs: config.expectTimeoutMs,
    settleMs: config.settleMs,
    // A ramp that reopens: a slot that keeps failing waits a round, then 2, 4, … before its next reopen.
    reopenBackoffMs: config.reopen ? config.ramp?.roundMs : undefined,
    leanSockets: config.leanSockets,
    lifetimeMs: config.lifetimeMs,
    message: config.message,
    messageRatePerSec: config.messageRatePerSec,
    bandwidthBytesPerSec: config.bandwidthBytesPerSec,
    latencyMarker: config.latencyMarker,
    connectRatePerSec: config.connectRatePerSec,
    transport: config.transport,
    heartbeat: config.heartbeat,
  };
}

/**
 * Returns a started fleet for the run: in this process for one worker, otherwise `workers` shard
 * processes, each with its share of the routes, of the bound on dials in flight and of --connect-rate.
 */
export async function startFleet(
  config: ProbeConfig,
  routes: readonly Route[],
  workers: number,
  shardV8Flags?: readonly string[],
  engine: EngineName = 'js',
): Promise<FleetControl> {
  const options = fleetOptions(config, routes);
  if (workers <= 1) return localControl(localFleet({ ...options, now: systemClock.now }, engine));
  const perShard = Number.isFinite(options.maxInflight)
    ? Math.max(1, Math.ceil(options.maxInflight / workers))
    : options.maxInflight;
  const connectRatePerSec = options.connectRatePerSec === undefined ? undefined : options.connectRatePerSec / workers;
  return ShardedFleet.start(
    { ...options, maxInflight: perShard, connectRatePerSec, engine },
    workers,
    systemClock.now,
    shardV8Flags,
  );
}
