import { readFileSync } from 'node:fs';
import { arch, availableParallelism, release, type } from 'node:os';

/** The prober's own machine, as a run record states it and the preflight reads it. */
export interface ProberEnvironment {
  readonly node: string;
  readonly os: string;
  readonly cpus: number;
  /** Open-file limits of this process; null where they cannot be read (not Linux). */
  readonly fdLimit: { readonly soft: number | null; readonly hard: number | null } | null;
  /** The kernel's ephemeral port range, inclusive; null where unknown. */
  readonly ephemeralPorts: { readonly low: number; readonly high: number } | null;
  /** Local addresses the probe's connections used (as the kernel chose them), once known. */
  readonly sourceAddresses: readonly string[];
}

/** Reads a file as text; injected so that parsing is tested without /proc. */
export type ReadText = (path: string) => string | null;

export const readText: ReadText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
};

/** Returns this machine's environment: Node, OS, fd limits and ephemeral port range. */
export function readEnvironment(read: ReadText = readText): ProberEnvironment {
  return {
    node: process.version,
    os: `${type()} ${release()} ${arch()}`,
    cpus: availableParallelism(),
    fdLimit: parseFdLimit(read('/proc/self/limits')),
    ephemeralPorts: parsePortRange(read('/proc/sys/net/ipv4/ip_local_port_range')),
    sourceAddresses: [],
  };
}

/** Returns the soft and hard open-file limits from the text of /proc/PID/limits. */
export function parseFdLimit(text: string | null): ProberEnvironment['fdLimit'] {
  const match = text ? /^Max open files\s+(\S+)\s+(\S+)/m.exec(text) : null;
  if (!match) return null;
  const value = (s: string): number | null => (s === 'unlimited' ? null : Number(s));
  return { soft: value(match[1] as string), hard: value(match[2] as string) };
}

/** Returns the range from the text of /proc/sys/net/ipv4/ip_local_port_range. */
export function parsePortRange(text: string | null): ProberEnvironment['ephemeralPorts'] {
  const match = text ? /^\s*(\d+)\s+(\d+)/.exec(text) : null;
  return match ? { low: Number(match[1]), high: Number(match[2]) } : null;
}

/** Kernel settings that bound a prober (tcpkali's README tuning list); null where unreadable. */
export interface KernelTuning {
  readonly fileMax: number | null;
  readonly nrOpen: number | null;
  readonly tcpTwReuse: number | null;
  /** null also when conntrack is not loaded. */
  readonly conntrackMax: number | null;
  readonly somaxconn: number | null;
  readonly tcpMaxSynBacklog: number | null;
}

/** Returns the kernel settings doctor reports. */
export function readKernelTuning(read: ReadText = readText): KernelTuning {
  const num = (path: string): number | null => {
    const text = read(path);
    const value = text === null ? NaN : Number(text.trim());
    return Number.isFinite(value) ? value : null;
  };
  return {
    fileMax: num('/proc/sys/fs/file-max'),
    nrOpen: num('/proc/sys/fs/nr_open'),
    tcpTwReuse: num('/proc/sys/net/ipv4/tcp_tw_reuse'),
    conntrackMax: num('/proc/sys/net/netfilter/nf_conntrack_max'),
    somaxconn: num('/proc/sys/net/core/somaxconn'),
    tcpMaxSynBacklog: num('/proc/sys/net/ipv4/tcp_max_syn_backlog'),
  };
}
