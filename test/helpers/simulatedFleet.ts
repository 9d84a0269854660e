import type { Clock } from '../../src/clock.js';
import type { FleetControl } from '../../src/fleet/fleetControl.js';
import { emptyLatency, type FleetObservation, type LiveCounts } from '../../src/fleet/fleetReading.js';
import type { FailureKind } from '../../src/net/errors.js';
import { recordLatency } from '../../src/stats/latencyHistogram.js';
import { reading } from './reading.js';

/** A target as the simulated fleet sees it: how many it serves and what a connection past that meets. */
export interface SimulatedTarget {
  /** Connections served at once. */
  readonly limit: number;
  /** Past the limit: refused at connect, accepted then closed, or left waiting in the accept queue. */
  readonly overLimit: 'refuse' | 'close' | 'queue';
  /** Dial to open, in ms (default 2). */
  readonly connectMs?: number;
  /** How long an open connection waits to be held (the run's --settle). */
  readonly settleMs: number;
  /** With --expect: a queued connection fails verification after this long; without, it looks served. */
  readonly expectTimeoutMs?: number;
  /** The prober's own limit: dials past this many live connections fail with EMFILE (fd-limit). */
  readonly proberLimit?: number;
  /**
   * Heartbeats: every held connection beats once per `everyMs`; each beat takes `slowMs` while more
   * than `slowAfter` connections are open (established), `fastMs` otherwise.
   */
  readonly heartbeat?: {
    readonly everyMs: number;
    readonly slowAfter: number;
    readonly fastMs: number;
    readonly slowMs: number;
  };
}

type SimState = 'dialing' | 'unverified' | 'settling' | 'held';
interface SimConn {
  state: SimState;
  /** When its next step happens (fake clock); Infinity for none. */
  atMs: number;
  /** What the next step is, for an over-limit connection: fail with this kind. */
  failAs: FailureKind | null;
  served: boolean;
}

/** A fleet on a fake clock: what `request` asks for happens at the times the target model says, and nothing else. */
export interface SimulatedFleet extends FleetControl {
  /** Every `request(count)` as [fake time, count]. */
  readonly requests: Array<[number, number]>;
}

/** Returns a FleetControl that simulates connections to `target` on `clock`, with no sockets. */
export function simulatedFleet(target: SimulatedTarget, clock: Clock): SimulatedFleet {
  const connectMs = target.connectMs ?? 2;
  let conns: SimConn[] = [];
  const requests: Array<[number, number]> = [];
  const failures: Partial<Record<FailureKind, number>> = {};
  const latency = emptyLatency();
  let requested = 0;
  let established = 0;
  let failed = 0;
  let lastOpenAtMs: number | null = null;
  let beatsAtMs = clock.now();
  let beatCarry = 0;
  let shed = 0;

  const fail = (conn: SimConn, kind: FailureKind): void => {
    failures[kind] = (failures[kind] ?? 0) + 1;
    failed++;
    conn.atMs = Number.NaN; // gone
  };
  const servedNow = (): number => conns.filter((c) => c.served).length;
  /** Plays every step due by now, in time order. */
  const advance = (): void => {
    const now = clock.now();
    for (;;) {
      let next: SimConn | null = null;
      for (const c of conns) if (c.atMs <= now && (next === null || c.atMs < next.atMs)) next = c;
      if (next === null) break;
      const at = next.atMs;
      if (next.state === 'dialing') {
        const live = conns.filter((c) => c.state !== 'dialing').length;
        if (target.proberLimit !== undefined && live >= target.proberLimit) fail(next, 'fd-limit');
        else if (servedNow() < target.limit) {
          Object.assign(next, { state: 'settling', atMs: at + target.settleMs, served: true });
        } else if (target.overLimit === 'refuse') fail(next, 'refused');
        else if (target.overLimit === 'close')
          Object.assign(next, { state: 'unverified', atMs: at + 1, failAs: 'closed' });
        else if (target.expectTimeoutMs !== undefined)
          Object.assign(next, { state: 'unverified', atMs: at + target.expectTimeoutMs, failAs: 'verify-timeout' });
        else Object.assign(next, { state: 'settling', atMs: at + target.settleMs });
        if (next.state !== 'dialing' && !Number.isNaN(next.atMs)) {
          established++;
          lastOpenAtMs = at;
          recordLatency(latency.connect, connectMs);
        }
      } else if (next.failAs !== null) fail(next, next.failAs);
      else Object.assign(next, { state: 'held', atMs: Number.POSITIVE_INFINITY });
      conns = conns.filter((c) => !Number.isNaN(c.atMs));
    }
  };
  /** Records the heartbeats of the held connections since the last reading, at the latency the open count gives. */
  const beat = (): void => {
    const hb = target.heartbeat;
    const now = clock.now();
    if (!hb) return;
    const held = conns.filter((c) => c.state === 'held').length;
    const open = conns.filter((c) => c.state !== 'dialing').length;
    beatCarry += (held * (now - beatsAtMs)) / hb.everyMs;
    beatsAtMs = now;
    for (; beatCarry >= 1; beatCarry--) recordLatency(latency.heartbeat, open > hb.slowAfter ? hb.slowMs : hb.fastMs);
  };
  const live = (): LiveCounts => {
    advance();
    beat();
    const count = (s: SimState): number => conns.filter((c) => c.state === s).length;
    return {
      queued: 0,
      dialing: count('dialing'),
      unverified: count('unverified'),
      settling: count('settling'),
      held: count('held'),
    };
  };
  const observe = (): FleetObservation =>
    reading({
      atMs: clock.now(),
      live: live(),
      requested,
      started: requested,
      established,
      failed,
      failures: { ...failures },
      latency: {
        ...latency,
        connect: { ...latency.connect, buckets: { ...latency.connect.buckets } },
        heartbeat: { ...latency.heartbeat, buckets: { ...latency.heartbeat.buckets } },
      },
      shed,
    });
  return {
    requests,
    request(count) {
      requests.push([clock.now(), count]);
      requested += count;
      for (let i = 0; i < count; i++)
        conns.push({ state: 'dialing', atMs: clock.now() + connectMs, failAs: null, served: false });
    },
    cancelQueued: () => undefined,
    shed(count) {
      advance();
      beat();
      const n = Math.min(count, conns.length);
      conns = conns.slice(0, conns.length - n);
      shed += n;
    },
    liveCounts: async () => live(),
    lastOpenAtMs: async () => lastOpenAtMs,
    observe: async () => observe(),
    stop: async () => void (conns = []),
  };
}

/** A fake clock that moves only when something sleeps; `at(ms, fn)` runs `fn` once the clock reaches `ms`. */
export function fakeClock(startMs = 0): Clock & { at(ms: number, fn: () => void): void } {
  let t = startMs;
  const alarms: Array<[number, () => void]> = [];
  return {
    now: () => t,
    sleep: async (ms, signal) => {
      if (signal?.aborted) return;
      t += ms;
      for (const alarm of alarms.filter(([when]) => when <= t)) {
        alarms.splice(alarms.indexOf(alarm), 1);
        alarm[1]();
      }
    },
    at: (ms, fn) => void alarms.push([ms, fn]),
  };
}
