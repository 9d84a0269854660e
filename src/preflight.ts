import type { ProbeConfig } from './config.js';
import type { ProberEnvironment } from './environment.js';

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
export function preflight(env: ProberEnvironment, options: { reach: number | null; destinations: number; sources: number }): Preflight {
  const { reach, destinations, sources } = options;
  const fdSoft = env.fdLimit?.soft ?? null;
  const fdHard = env.fdLimit?.hard ?? null;
  const fdCapacity = fdSoft === null ? null : Math.max(0, fdSoft - FD_RESERVE);
  const portsPerPair = env.ephemeralPorts ? env.ephemeralPorts.high - env.ephemeralPorts.low + 1 : null;
  const pairs = Math.max(1, destinations) * Math.max(1, sources);
  const portCapacity = portsPerPair === null ? null : portsPerPair * pairs;
  const known = [fdCapacity, portCapacity].filter((x): x is number => x !== null);
  const warnings: string[] = [];
  if (reach !== null && fdCapacity !== null && reach > fdCapacity) {
    const need = reach + FD_RESERVE;
    const fix = fdHard !== null && fdHard >= need
      ? `ulimit -n ${need}`
      : `raise the hard limit to at least ${need} (nofile in /etc/security/limits.conf, LimitNOFILE= for a systemd unit, --ulimit nofile= for Docker), then ulimit -n ${need}`;
    warnings.push(`the run can reach ${reach} connections but this process can hold about ${fdCapacity} (open-file limit ${fdSoft}); fix: ${fix}`);
  }
  if (reach !== null && portCapacity !== null && portsPerPair !== null && reach > portCapacity) {
    warnings.push(`the run can reach ${reach} connections but ${pairs === 1 ? 'one source address to one destination has' : `${pairs} source/destination pairs have`} ${portCapacity} ephemeral ports (ip_local_port_range ${env.ephemeralPorts?.low}-${env.ephemeralPorts?.high}); fix: sysctl -w net.ipv4.ip_local_port_range="1024 65535", or spread over more source addresses or destination ports`);
  } else if (reach !== null && reach > PAIR_SLOWDOWN * pairs) {
    warnings.push(`the run can reach ${reach} connections on ${pairs} source/destination pair(s); past about ${PAIR_SLOWDOWN} on one pair the kernel's port search slows dials sharply; fix: spread over more source addresses or destination ports`);
  }
  return { fdCapacity, portCapacity, capacity: known.length > 0 ? Math.min(...known) : null, reach, warnings };
}
