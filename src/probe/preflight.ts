import type { ProbeConfig } from '../config/probeConfig.js';
import type { ProberEnvironment } from './environment.js';
import { BOUND_SOURCE_SLOWDOWN } from '../net/sourceAddresses.js';

/** Open files a goon-probe process needs besides its connections (Node, stdio, IPC, DNS). */
export const FD_RESERVE = 64;
/** Past about this many connections on one (source, destination) pair, Linux's port search slows sharply. */
export const PAIR_SLOWDOWN = 14_000;

/** What this prober can hold against the destinations, and what the run may ask of it. */
export interface Preflight {
  /** Connections the open-file limit allows; null when unlimited or unknown. */
  readonly fdCapacity: number | null;
  /** Connections the ephemeral ports allow over every (source, destination) pair; null when unknown. */
  readonly portCapacity: number | null;
  /** The smaller of the two; null when neither is known. */
  readonly capacity: number | null;
  /** The most connections the run can ask for (ramp: by --max-duration); null when unbounded. */
  readonly reach: number | null;
  /** One line per limit the run can hit, each with its fix. */
  readonly warnings: readonly string[];
}

/** What the preflight needs to know of a run besides the machine. */
export interface PreflightOptions {
  readonly reach: number | null;
  readonly destinations: number;
  /** Bound source addresses (--source-ip); 0 when the kernel picks. */
  readonly sources: number;
  /** Shard processes (each has the open-file limit); default 1. */
  readonly workers?: number;
  /** This machine's sockets to the destinations still in TIME_WAIT from an earlier run; default 0. */
  readonly timeWait?: number;
  /** Without `timeWait`: reads it, called only when `timeWaitAtMost` (the host's TIME_WAIT total) says it could matter. */
  readonly readTimeWait?: () => number;
  readonly timeWaitAtMost?: number | null;
}

/** The most shard processes `--workers auto` starts. */
export const MAX_AUTO_WORKERS = 16;

/** Up to this reach, `--workers auto` keeps the connections in the prober's own process. */
export const AUTO_IN_PROCESS = 5000;

/**
 * Returns the shard count for `--workers auto`: 1 (this process) for small runs; otherwise one
 * shard per core, or more when the open-file limit needs them for the run's reach, at most
 * MAX_AUTO_WORKERS. An unbounded reach gets one per core.
 */
export function workersFor(reach: number | null, env: ProberEnvironment): number {
  const fdSoft = env.fdLimit?.soft ?? null;
  const perCore = Math.min(MAX_AUTO_WORKERS, Math.max(2, env.cpus));
  if (reach === null) return perCore;
  if (reach <= AUTO_IN_PROCESS) return 1;
  const byFds = fdSoft === null ? 1 : Math.ceil(reach / Math.max(1, fdSoft - FD_RESERVE));
  return Math.min(MAX_AUTO_WORKERS, Math.max(perCore, byFds));
}

function describePairs(pairs: number, bound: boolean): string {
  if (bound) return pairs === 1 ? 'one bound source address' : `${pairs} bound source addresses`;
  return pairs === 1 ? 'one source address to one destination' : `${pairs} source/destination pairs`;
}

/** Returns the most connections a run of this config can open at once, or null when unbounded. */
export function runReach(config: ProbeConfig): number | null {
  if (config.mode === 'fixed') return config.connections;
  const plan = config.ramp;
  if (!plan) return null;
  const byTime = plan.from + Math.floor((plan.ratePerSec * plan.maxDurationMs) / 1000);
  return Math.min(byTime, plan.maxConnections ?? Number.POSITIVE_INFINITY, plan.stopAtGate ?? Number.POSITIVE_INFINITY);
}

/**
 * Returns the prober's own capacity for a run and the warnings, with the exact fix, for every limit
 * the run can reach: open files (soft limit already raised to the hard one) and ephemeral ports per
 * (source, destination) pair.
 */
export function preflight(env: ProberEnvironment, options: PreflightOptions): Preflight {
  const { reach, destinations, sources } = options;
  const workers = Math.max(1, options.workers ?? 1);
  const fdSoft = env.fdLimit?.soft ?? null;
  const fdHard = env.fdLimit?.hard ?? null;
  const fdCapacity = fdSoft === null ? null : Math.max(0, fdSoft - FD_RESERVE) * workers;
  const portsPerPair = env.ephemeralPorts ? env.ephemeralPorts.high - env.ephemeralPorts.low + 1 : null;
  // A bound source address (--source-ip) takes a port of its own at bind(), before the destination
  // is known, so its ports are shared by every destination; unbound, each (source, destination)
  // pair has the whole range.
  const pairs = sources > 0 ? sources : Math.max(1, destinations);
  const pairBudget = sources > 0 ? BOUND_SOURCE_SLOWDOWN : PAIR_SLOWDOWN;
  const portCapacity = portsPerPair === null ? null : portsPerPair * pairs;
  const known = [fdCapacity, portCapacity].filter((x): x is number => x !== null);
  const warnings: string[] = [];
  if (reach !== null && fdCapacity !== null && reach > fdCapacity) {
    const perProcess = Math.max(1, (fdSoft ?? 0) - FD_RESERVE);
    const need = Math.ceil(reach / workers) + FD_RESERVE;
    const shards = Math.ceil(reach / perProcess);
    const fix =
      fdHard !== null && fdHard >= need
        ? `ulimit -n ${need}`
        : `raise the hard limit to at least ${need} (nofile in /etc/security/limits.conf, LimitNOFILE= for a systemd unit, --ulimit nofile= for Docker), then ulimit -n ${need}`;
    const spread = shards <= MAX_AUTO_WORKERS ? `, or --workers ${shards} (every shard process has its own limit)` : '';
    warnings.push(
      `the run can reach ${reach} connections but ${workers === 1 ? 'this process' : `${workers} shard processes`} can hold about ${fdCapacity} (open-file limit ${fdSoft}${workers === 1 ? '' : ' each'}); fix: ${fix}${spread}`,
    );
  }
  if (reach !== null && portCapacity !== null && portsPerPair !== null && reach > portCapacity) {
    warnings.push(
      `the run can reach ${reach} connections but ${describePairs(pairs, sources > 0)} ${pairs === 1 ? 'has' : 'have'} ${portCapacity} ephemeral ports (ip_local_port_range ${env.ephemeralPorts?.low}-${env.ephemeralPorts?.high}); fix: sysctl -w net.ipv4.ip_local_port_range="1024 65535", or spread over more source addresses or destination ports`,
    );
  } else if (reach !== null && reach > pairBudget * pairs) {
    warnings.push(
      `the run can reach ${reach} connections on ${describePairs(pairs, sources > 0)}; past about ${pairBudget} on each the kernel's port search slows dials sharply; fix: spread over more ${sources > 0 ? 'source addresses (--source-ip)' : 'destination ports or source addresses (--source-ip auto)'}`,
    );
  }
  // Listing every socket (/proc/net/tcp) costs time with many of them: only when the host's own
  // TIME_WAIT total says the count could leave the run short of ports.
  const mayRunShort =
    portCapacity !== null &&
    (reach === null || reach > portCapacity - (options.timeWaitAtMost ?? Number.POSITIVE_INFINITY));
  const timeWait = options.timeWait ?? (mayRunShort && options.readTimeWait ? options.readTimeWait() : 0);
  if (timeWait > 0 && portCapacity !== null && (reach === null || reach > portCapacity - timeWait)) {
    const free = Math.max(0, portCapacity - timeWait);
    warnings.push(
      `${timeWait} ephemeral ports to the target are still in TIME_WAIT from an earlier run (the kernel frees them within about 60 s), so ${free} of ${portCapacity} are free${reach === null ? '' : ` for a run that can reach ${reach}`}; ${sources > 0 ? 'a bound source address cannot reuse them, and its dials fail at once with addr-unavailable' : 'dials may fail with addr-unavailable'}; fix: wait a minute before starting (every segment), or sysctl -w net.ipv4.tcp_tw_reuse=1`,
    );
  }
  return { fdCapacity, portCapacity, capacity: known.length > 0 ? Math.min(...known) : null, reach, warnings };
}
