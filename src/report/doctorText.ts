import type { KernelTuning, ProberEnvironment } from '../probe/environment.js';
import { FD_RESERVE, type Preflight } from '../probe/preflight.js';

/** What `goon-probe doctor` found. */
export interface DoctorFindings {
  readonly environment: ProberEnvironment;
  readonly tuning: KernelTuning;
  readonly preflight: Preflight;
  /** The destination checked, as given and dialed, with the source address the kernel picks. */
  readonly target: { readonly given: string; readonly dialed: string; readonly source: string | null } | null;
  /** The native engine here: where it loads from, or why it does not (absent: not looked for). */
  readonly engine?:
    | { readonly available: true; readonly from: string }
    | { readonly available: false; readonly why: string };
}

/** Returns doctor's report: the prober's limits, its capacity, and tuning advice for these numbers. */
export function renderDoctor(f: DoctorFindings): string {
  const e = f.environment;
  const p = f.preflight;
  const fd = e.fdLimit;
  const ports = e.ephemeralPorts ? e.ephemeralPorts.high - e.ephemeralPorts.low + 1 : null;
  const lines = [
    'goon-probe doctor: what this machine can hold as a prober',
    '',
    `Node ${e.node} on ${e.os}, ${e.cpus} CPUs`,
    `Open files:      ${fd ? `soft ${fd.soft ?? 'unlimited'}, hard ${fd.hard ?? 'unlimited'} (Node raises the soft limit to the hard one at startup)` : 'unknown'}; about ${p.fdCapacity ?? 'unlimited'} connections per process (${FD_RESERVE} kept for Node)`,
    `Ephemeral ports: ${e.ephemeralPorts ? `${e.ephemeralPorts.low}-${e.ephemeralPorts.high}, ${ports} per (source address, destination) pair` : 'unknown'}`,
    ...(f.target
      ? [
          `Destination:     ${f.target.given} (dialed ${f.target.dialed}), from source address ${f.target.source ?? 'unknown'}`,
        ]
      : []),
    ...(f.engine
      ? [
          `Engine:          ${f.engine.available ? `native (C on epoll, ${f.engine.from}) for plain TCP (--send, a literal --expect, --message); TypeScript for the rest` : `TypeScript only: ${f.engine.why}`}`,
        ]
      : []),
    `Capacity:        about ${p.capacity ?? 'unknown'} connections${f.target ? ` to ${f.target.dialed}` : ' to one destination'} from one source address, ${limitingFactor(p)}`,
    '',
    "Tuning for a prober (after tcpkali's README), for the numbers above:",
    ...tuningLines(f, ports).map((l) => `  ${l}`),
  ];
  return `${lines.join('\n')}\n`;
}

function limitingFactor(p: Preflight): string {
  if (p.fdCapacity === null && p.portCapacity === null) return 'limits unknown';
  if (p.portCapacity === null || (p.fdCapacity !== null && p.fdCapacity <= p.portCapacity))
    return 'held back by the open-file limit';
  return 'held back by the ephemeral ports';
}

function tuningLines(f: DoctorFindings, ports: number | null): string[] {
  const t = f.tuning;
  const hard = f.environment.fdLimit?.hard ?? null;
  const want = Math.max(ports ?? 0, 100_000);
  const check = (name: string, value: number | null, ok: boolean, fix: string): string =>
    `${ok ? 'ok  ' : 'fix '} ${name} = ${value ?? 'n/a'}${ok ? '' : `: ${fix}`}`;
  return [
    check(
      'ulimit -n (hard)',
      hard,
      hard === null || hard >= want,
      `raise nofile to ${want} or more (limits.conf, LimitNOFILE=, docker --ulimit nofile=)`,
    ),
    check('fs.file-max', t.fileMax, t.fileMax === null || t.fileMax >= want * 2, `sysctl -w fs.file-max=${want * 2}`),
    check('fs.nr_open', t.nrOpen, t.nrOpen === null || t.nrOpen >= want, `sysctl -w fs.nr_open=${want}`),
    check(
      'net.ipv4.ip_local_port_range',
      ports,
      ports === null || ports >= 60_000,
      'sysctl -w net.ipv4.ip_local_port_range="1024 65535" (64512 ports per pair)',
    ),
    check(
      'net.ipv4.tcp_tw_reuse',
      t.tcpTwReuse,
      t.tcpTwReuse === 1,
      'sysctl -w net.ipv4.tcp_tw_reuse=1 (reuse TIME_WAIT ports for new connections under churn)',
    ),
    t.conntrackMax === null
      ? 'ok   net.netfilter.nf_conntrack_max: conntrack not loaded'
      : check(
          'net.netfilter.nf_conntrack_max',
          t.conntrackMax,
          t.conntrackMax >= want,
          `sysctl -w net.netfilter.nf_conntrack_max=${want * 2} (every connection is tracked)`,
        ),
    `info net.core.somaxconn = ${t.somaxconn ?? 'n/a'}, net.ipv4.tcp_max_syn_backlog = ${t.tcpMaxSynBacklog ?? 'n/a'} (the listen backlog of servers on this machine, such as goon-probe serve)`,
  ];
}
