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
   * A slow server (fork per connection): it takes on at most this many new connections a second,
   * first come first served; the others wait in its accept queue, open but unanswered. Needs
   * `expectTimeoutMs` (only a reply tells a waiting connection from a served one).
   */
  readonly acceptPerSec?: number;
  /** With `acceptPerSec`: connections the accept queue holds; past it, SYNs are dropped and dials time out. */
  readonly backlog?: number;
  /** A dropped SYN's dial fails after this long (the run's --dial-timeout; default 5000). */
  readonly dialTimeoutMs?: number;
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

/** `accepting`: open, waiting in the accept queue of a slow server for its turn at `atMs`. */
type SimState = 'dialing' | 'accepting' | 'unverified' | 'settling' | 'held';
interface SimConn {
  state: SimState;
  /** When its next step happens (fake clock); Infinity for none. */
  atMs: number;
  /** What the next step is, for an over-limit connection: fail with this kind. */
  failAs: FailureKind | null;
  served: boolean;
  /** When it opened (for the verification timeout). */
  openAtMs: number;
  readonly owner: FleetCounts;
}

/** What one fleet on a simulated server counts. */
interface FleetCounts {
  failures: Partial<Record<FailureKind, number>>;
  latency: ReturnType<typeof emptyLatency>;
  requested: number;
  established: number;
  verified: number;
  failed: number;
  lastOpenAtMs: number | null;
  shed: number;
}

/** A fleet on a fake clock: what `request` asks for happens at the times the target model says, and nothing else. */
export interface SimulatedFleet extends FleetControl {
  /** Every `request(count)` as [fake time, count]. */
  readonly requests: Array<[number, number]>;
}

/** A simulated target that several fleets (segments on several hosts) can dial at once. */
export interface SimulatedServer {
  /** Returns a new fleet dialing this server. */
  fleet(): SimulatedFleet;
  /** Connections it serves now, all fleets together. */
  served(): number;
}

/** Returns a FleetControl that simulates connections to `target` on `clock`, with no sockets. */
export function simulatedFleet(target: SimulatedTarget, clock: Clock): SimulatedFleet {
  return simulatedServer(target, clock).fleet();
}

/** Returns a simulated target on `clock`, shared by the fleets it makes. */
export function simulatedServer(target: SimulatedTarget, clock: Clock): SimulatedServer {
  const connectMs = target.connectMs ?? 2;
  const gapMs = target.acceptPerSec === undefined ? 0 : 1000 / target.acceptPerSec;
  let conns: SimConn[] = [];
  /** When the slow server takes on its next connection (its turns are spaced gapMs apart). */
  let nextTurnMs = Number.NEGATIVE_INFINITY;
  /**
   * The turns still to come: one per connection in its accept queue, whether its client still
   * waits or gave up (the server spends the turn all the same, as a forking server does).
   */
  let turns: number[] = [];
  let beatsAtMs = clock.now();
  let beatCarry = 0;

  const fail = (conn: SimConn, kind: FailureKind): void => {
    conn.owner.failures[kind] = (conn.owner.failures[kind] ?? 0) + 1;
    conn.owner.failed++;
    conn.atMs = Number.NaN; // gone
  };
  const servedNow = (): number => conns.filter((c) => c.served).length;
  const opened = (conn: SimConn, at: number): void => {
    conn.owner.established++;
    conn.owner.lastOpenAtMs = at;
    conn.openAtMs = at;
    recordLatency(conn.owner.latency.connect, connectMs);
  };
  const toSettling = (conn: SimConn, at: number, served: boolean): void => {
    Object.assign(conn, { state: 'settling', atMs: at + target.settleMs, served });
    conn.owner.verified++;
  };
  /** What the server does with a connection it takes on at `at`: serve it, or its over-limit behaviour. */
  const admit = (conn: SimConn, at: number): void => {
    if (servedNow() < target.limit) toSettling(conn, at, true);
    else if (target.overLimit === 'close' || (target.overLimit === 'refuse' && conn.state === 'accepting'))
      Object.assign(conn, { state: 'unverified', atMs: at + 1, failAs: 'closed' });
    else if (target.overLimit === 'refuse') fail(conn, 'refused');
    else if (target.expectTimeoutMs !== undefined)
      Object.assign(conn, {
        state: 'unverified',
        atMs: conn.openAtMs + target.expectTimeoutMs,
        failAs: 'verify-timeout',
      });
    else toSettling(conn, at, false);
  };
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
        turns = turns.filter((turn) => turn > at);
        const waiting = turns.length;
        if (next.failAs === 'timeout') fail(next, 'timeout');
        else if (target.proberLimit !== undefined && live >= target.proberLimit) fail(next, 'fd-limit');
        else if (target.acceptPerSec !== undefined && waiting >= (target.backlog ?? Number.POSITIVE_INFINITY))
          // The accept queue is full: the SYN is dropped, and the dial times out.
          Object.assign(next, { atMs: at - connectMs + (target.dialTimeoutMs ?? 5000), failAs: 'timeout' });
        else if (target.acceptPerSec !== undefined) {
          opened(next, at);
          nextTurnMs = Math.max(at, nextTurnMs + gapMs);
          turns.push(nextTurnMs);
          const timeoutMs = target.expectTimeoutMs ?? Number.POSITIVE_INFINITY;
          // Its turn comes at nextTurnMs (the server spends that turn even on a connection gone by then).
          if (nextTurnMs - at >= timeoutMs)
            Object.assign(next, { state: 'unverified', atMs: at + timeoutMs, failAs: 'verify-timeout' });
          else Object.assign(next, { state: 'accepting', atMs: nextTurnMs });
        } else {
          opened(next, at);
          admit(next, at);
        }
      } else if (next.state === 'accepting') admit(next, at);
      else if (next.failAs !== null) fail(next, next.failAs);
      else Object.assign(next, { state: 'held', atMs: Number.POSITIVE_INFINITY });
      conns = conns.filter((c) => !Number.isNaN(c.atMs));
    }
  };
  /** Records the heartbeats of the held connections since the last reading, at the latency the open count gives. */
  const beat = (owner: FleetCounts): void => {
    const hb = target.heartbeat;
    const now = clock.now();
    if (!hb) return;
    const held = conns.filter((c) => c.state === 'held').length;
    const open = conns.filter((c) => c.state !== 'dialing').length;
    beatCarry += (held * (now - beatsAtMs)) / hb.everyMs;
    beatsAtMs = now;
    for (; beatCarry >= 1; beatCarry--)
      recordLatency(owner.latency.heartbeat, open > hb.slowAfter ? hb.slowMs : hb.fastMs);
  };

  const fleet = (): SimulatedFleet => {
    const counts: FleetCounts = {
      failures: {},
      latency: emptyLatency(),
      requested: 0,
      established: 0,
      verified: 0,
      failed: 0,
      lastOpenAtMs: null,
      shed: 0,
    };
    const requests: Array<[number, number]> = [];
    const mine = (): SimConn[] => conns.filter((c) => c.owner === counts);
    const live = (): LiveCounts => {
      advance();
      beat(counts);
      const own = mine();
      const count = (s: SimState): number => own.filter((c) => c.state === s).length;
      return {
        queued: 0,
        dialing: count('dialing'),
        unverified: count('unverified') + count('accepting'),
        settling: count('settling'),
        held: count('held'),
      };
    };
    const observe = (): FleetObservation => {
      const now = live();
      const latency = counts.latency;
      return reading({
        atMs: clock.now(),
        live: now,
        requested: counts.requested,
        started: counts.requested,
        established: counts.established,
        verified: counts.verified,
        failed: counts.failed,
        failures: { ...counts.failures },
        latency: {
          ...latency,
          connect: { ...latency.connect, buckets: { ...latency.connect.buckets } },
          heartbeat: { ...latency.heartbeat, buckets: { ...latency.heartbeat.buckets } },
        },
        shed: counts.shed,
      });
    };
    return {
      requests,
      request(count) {
        requests.push([clock.now(), count]);
        counts.requested += count;
        for (let i = 0; i < count; i++)
          conns.push({
            state: 'dialing',
            atMs: clock.now() + connectMs,
            failAs: null,
            served: false,
            openAtMs: 0,
            owner: counts,
          });
      },
      cancelQueued: () => undefined,
      shed(count) {
        advance();
        beat(counts);
        const own = mine();
        const gone = new Set(own.slice(Math.max(0, own.length - count)));
        conns = conns.filter((c) => !gone.has(c));
        counts.shed += gone.size;
      },
      liveCounts: async () => live(),
      lastOpenAtMs: async () => counts.lastOpenAtMs,
      observe: async () => observe(),
      stop: async () => void (conns = conns.filter((c) => c.owner !== counts)),
    };
  };
  return {
    fleet,
    served: () => {
      advance();
      return servedNow();
    },
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

/**
 * A fake clock for several loops at once (segments on several hosts): time moves only when every
 * loop `run` drives is asleep, to the earliest wake-up. Returns the clock and `run`, which resolves
 * with the loops' results.
 */
export function sharedFakeClock(startMs = 0): {
  clock: Clock;
  run<T>(loops: ReadonlyArray<() => Promise<T>>): Promise<T[]>;
} {
  let t = startMs;
  let sleepers: Array<{ wakeMs: number; wake: () => void }> = [];
  const clock: Clock = {
    now: () => t,
    sleep: (ms, signal) =>
      signal?.aborted ? Promise.resolve() : new Promise<void>((wake) => sleepers.push({ wakeMs: t + ms, wake })),
  };
  const run = async <T>(loops: ReadonlyArray<() => Promise<T>>): Promise<T[]> => {
    let running = loops.length;
    const done = Promise.all(
      loops.map((loop) =>
        loop().finally(() => {
          running--;
        }),
      ),
    );
    // Bounded: a loop that neither sleeps nor ends within this many turns is a bug in the test.
    for (let turns = 0; running > 0 && turns < 10_000_000; turns++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (sleepers.length < running || sleepers.length === 0) continue;
      const wakeMs = Math.min(...sleepers.map((s) => s.wakeMs));
      t = Math.max(t, wakeMs);
      const due = sleepers.filter((s) => s.wakeMs <= t);
      sleepers = sleepers.filter((s) => s.wakeMs > t);
      for (const s of due) s.wake();
    }
    return done;
  };
  return { clock, run };
}
