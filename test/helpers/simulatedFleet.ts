import type { Clock } from '../../src/clock.js';
import type { FleetControl } from '../../src/fleet/fleetControl.js';
import {
  emptyLatency,
  LATE_GRACE_MS,
  LATE_WATCH_MAX,
  type FleetObservation,
  type LiveCounts,
} from '../../src/fleet/fleetReading.js';
import { WAITING_KINDS, type FailureKind } from '../../src/net/errors.js';
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
type SimState = 'dialing' | 'accepting' | 'unverified' | 'settling' | 'held' | 'gone';
interface SimConn {
  state: SimState;
  /** When its next step happens (fake clock); Infinity for none. */
  atMs: number;
  /** Bumped on every reschedule: a heap entry of an older step is stale. */
  step: number;
  /** What the next step is, for an over-limit connection: fail with this kind. */
  failAs: FailureKind | null;
  served: boolean;
  /** When it opened (for the verification timeout). */
  openAtMs: number;
  /** With a slow server: when its turn comes, even if it has given up by then. */
  turnAtMs: number;
  /** Its fleet's served count (verified and answered late) when it was asked for. */
  verifiedAtDial: number;
  readonly owner: FleetCounts;
}

/** What one fleet on a simulated server counts. */
interface FleetCounts {
  failures: Partial<Record<FailureKind, number>>;
  latency: ReturnType<typeof emptyLatency>;
  requested: number;
  established: number;
  verified: number;
  waitedWhileServed: number;
  failed: number;
  lastOpenAtMs: number | null;
  shed: number;
  /** Timed-out connections kept listening for a late answer, as the fleet keeps them (LATE_WATCH_MAX at once). */
  late: { watched: number; answered: number; listening: number };
  /** Its connections by state, and all of them in the order asked (gone ones dropped lazily). */
  states: Record<SimState, number>;
  conns: SimConn[];
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
  /** Closes `count` held connections now, as a server that loses them does (each fails as closed). */
  closeHeld(count: number): void;
}

/** Returns a FleetControl that simulates connections to `target` on `clock`, with no sockets. */
export function simulatedFleet(target: SimulatedTarget, clock: Clock): SimulatedFleet {
  return simulatedServer(target, clock).fleet();
}

/** A binary min-heap of scheduled steps, by time and then by the order they were scheduled. */
class Steps {
  private readonly items: Array<{ atMs: number; seq: number; conn: SimConn; step: number }> = [];
  private seq = 0;
  push(conn: SimConn): void {
    if (!Number.isFinite(conn.atMs)) return;
    const item = { atMs: conn.atMs, seq: this.seq++, conn, step: conn.step };
    const a = this.items;
    a.push(item);
    for (let i = a.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(a[i] as typeof item, a[parent] as typeof item)) break;
      [a[i], a[parent]] = [a[parent] as typeof item, a[i] as typeof item];
      i = parent;
    }
  }
  /** Returns the earliest live step due by `now`, taking it off; stale entries are dropped on the way. */
  popDue(now: number): SimConn | null {
    const a = this.items;
    while (a.length > 0) {
      const top = a[0] as (typeof a)[number];
      if (top.step !== top.conn.step || top.conn.state === 'gone') {
        this.pop();
        continue;
      }
      if (top.atMs > now) return null;
      this.pop();
      return top.conn;
    }
    return null;
  }
  private pop(): void {
    const a = this.items;
    const last = a.pop();
    if (a.length === 0 || last === undefined) return;
    a[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && before(a[l] as typeof last, a[m] as typeof last)) m = l;
      if (r < a.length && before(a[r] as typeof last, a[m] as typeof last)) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m] as typeof last, a[i] as typeof last];
      i = m;
    }
  }
}
function before(x: { atMs: number; seq: number }, y: { atMs: number; seq: number }): boolean {
  return x.atMs < y.atMs || (x.atMs === y.atMs && x.seq < y.seq);
}

const NO_STATES = (): Record<SimState, number> => ({
  dialing: 0,
  accepting: 0,
  unverified: 0,
  settling: 0,
  held: 0,
  gone: 0,
});

/** Returns a simulated target on `clock`, shared by the fleets it makes. */
export function simulatedServer(target: SimulatedTarget, clock: Clock): SimulatedServer {
  const connectMs = target.connectMs ?? 2;
  const gapMs = target.acceptPerSec === undefined ? 0 : 1000 / target.acceptPerSec;
  const steps = new Steps();
  /** Connections served now, and open (past dialing), all fleets together. */
  let servedNow = 0;
  let openNow = 0;
  let heldNow = 0;
  /** When the slow server takes on its next connection (its turns are spaced gapMs apart). */
  let nextTurnMs = Number.NEGATIVE_INFINITY;
  /**
   * The turns still to come, in order: one per connection in its accept queue, whether its client
   * still waits or gave up (the server spends the turn all the same, as a forking server does).
   */
  const turns: number[] = [];
  let turnsHead = 0;
  /** Timed-out connections kept listening: answered at their turn, if it comes within the grace. */
  let watching: Array<{ answerAtMs: number; untilMs: number; owner: FleetCounts }> = [];
  let beatsAtMs = clock.now();
  let beatCarry = 0;

  /** Moves a connection to a state, keeping every count, and schedules its next step. */
  const move = (conn: SimConn, state: SimState, atMs: number, changes: Partial<SimConn> = {}): void => {
    const from = conn.state;
    conn.owner.states[from]--;
    conn.owner.states[state]++;
    if (from !== 'dialing' && from !== 'gone') openNow--;
    if (state !== 'dialing' && state !== 'gone') openNow++;
    if (from === 'held') heldNow--;
    if (state === 'held') heldNow++;
    const wasServed = conn.served && from !== 'gone';
    Object.assign(conn, changes);
    conn.state = state;
    const isServed = conn.served && state !== 'gone';
    servedNow += Number(isServed) - Number(wasServed);
    conn.atMs = atMs;
    conn.step++;
    steps.push(conn);
  };
  const fail = (conn: SimConn, kind: FailureKind, at: number): void => {
    const owner = conn.owner;
    owner.failures[kind] = (owner.failures[kind] ?? 0) + 1;
    owner.failed++;
    answerLate(at);
    if (WAITING_KINDS.includes(kind) && owner.verified + owner.late.answered > conn.verifiedAtDial)
      owner.waitedWhileServed++;
    if (kind === 'verify-timeout') {
      // Past the bound, every second one is let go, uncounted, as the fleet does (thinWatched).
      if (owner.late.listening >= LATE_WATCH_MAX) {
        let i = 0;
        watching = watching.filter((w) => {
          if (w.owner !== owner) return true;
          if (i++ % 2 === 0) return true;
          owner.late.listening--;
          owner.late.watched--;
          return false;
        });
      }
      owner.late.watched++;
      owner.late.listening++;
      watching.push({ answerAtMs: conn.turnAtMs, untilMs: at + LATE_GRACE_MS, owner });
    }
    move(conn, 'gone', Number.POSITIVE_INFINITY);
  };
  /** Counts the late answers due by now, and lets go of the connections whose grace is over. */
  function answerLate(now: number): void {
    if (watching.length === 0) return;
    watching = watching.filter((w) => {
      // At its turn a full server does not answer it (it closes it, or never serves it).
      const answered = w.answerAtMs <= Math.min(now, w.untilMs) && servedNow < target.limit;
      if (!answered && w.untilMs > now) return true;
      if (answered) w.owner.late.answered++;
      w.owner.late.listening--;
      return false;
    });
  }
  const opened = (conn: SimConn, at: number): void => {
    conn.owner.established++;
    conn.owner.lastOpenAtMs = at;
    conn.openAtMs = at;
    recordLatency(conn.owner.latency.connect, connectMs);
  };
  const toSettling = (conn: SimConn, at: number, served: boolean): void => {
    move(conn, 'settling', at + target.settleMs, { served });
    conn.owner.verified++;
  };
  /** What the server does with a connection it takes on at `at`: serve it, or its over-limit behaviour. */
  const admit = (conn: SimConn, at: number): void => {
    if (servedNow < target.limit) {
      toSettling(conn, at, true);
      return;
    }
    conn.turnAtMs = Number.POSITIVE_INFINITY; // its turn came, and it was not served
    // Accepted already, a refusing server can only close it.
    if (target.overLimit === 'close' || target.overLimit === 'refuse')
      move(conn, 'unverified', at + 1, { failAs: 'closed' });
    else if (target.expectTimeoutMs !== undefined)
      move(conn, 'unverified', conn.openAtMs + target.expectTimeoutMs, { failAs: 'verify-timeout' });
    else toSettling(conn, at, false);
  };
  /** Plays every step due by now, in time order. */
  const advance = (): void => {
    const now = clock.now();
    for (let next = steps.popDue(now); next !== null; next = steps.popDue(now)) {
      const at = next.atMs;
      if (next.state === 'dialing') {
        while (turnsHead < turns.length && (turns[turnsHead] as number) <= at) turnsHead++;
        const waiting = turns.length - turnsHead;
        if (next.failAs === 'timeout') fail(next, 'timeout', at);
        else if (target.proberLimit !== undefined && openNow >= target.proberLimit) fail(next, 'fd-limit', at);
        else if (target.acceptPerSec !== undefined && waiting >= (target.backlog ?? Number.POSITIVE_INFINITY))
          // The accept queue is full: the SYN is dropped, and the dial times out.
          move(next, 'dialing', at - connectMs + (target.dialTimeoutMs ?? 5000), { failAs: 'timeout' });
        else if (target.acceptPerSec !== undefined) {
          opened(next, at);
          nextTurnMs = Math.max(at, nextTurnMs + gapMs);
          turns.push(nextTurnMs);
          next.turnAtMs = nextTurnMs;
          const timeoutMs = target.expectTimeoutMs ?? Number.POSITIVE_INFINITY;
          // Its turn comes at nextTurnMs (the server spends that turn even on a connection gone by then).
          if (nextTurnMs - at >= timeoutMs) move(next, 'unverified', at + timeoutMs, { failAs: 'verify-timeout' });
          else move(next, 'accepting', nextTurnMs);
        } else if (target.overLimit === 'refuse' && servedNow >= target.limit) fail(next, 'refused', at);
        else {
          opened(next, at);
          admit(next, at);
        }
      } else if (next.state === 'accepting') admit(next, at);
      else if (next.failAs !== null) fail(next, next.failAs, at);
      else move(next, 'held', Number.POSITIVE_INFINITY);
    }
    answerLate(now);
  };
  /** Records the heartbeats of the held connections since the last reading, at the latency the open count gives. */
  const beat = (owner: FleetCounts): void => {
    const hb = target.heartbeat;
    const now = clock.now();
    if (!hb) return;
    beatCarry += (heldNow * (now - beatsAtMs)) / hb.everyMs;
    beatsAtMs = now;
    for (; beatCarry >= 1; beatCarry--)
      recordLatency(owner.latency.heartbeat, openNow > hb.slowAfter ? hb.slowMs : hb.fastMs);
  };
  /** Takes a fleet's connections out (the prober closed them): the newest `count`, or all. */
  const remove = (counts: FleetCounts, count: number): number => {
    counts.conns = counts.conns.filter((c) => c.state !== 'gone');
    const gone = counts.conns.slice(Math.max(0, counts.conns.length - count));
    for (const c of gone) move(c, 'gone', Number.POSITIVE_INFINITY);
    counts.conns = counts.conns.slice(0, counts.conns.length - gone.length);
    return gone.length;
  };

  const everyFleet: FleetCounts[] = [];
  const fleet = (): SimulatedFleet => {
    const counts: FleetCounts = {
      failures: {},
      latency: emptyLatency(),
      requested: 0,
      established: 0,
      verified: 0,
      waitedWhileServed: 0,
      failed: 0,
      lastOpenAtMs: null,
      shed: 0,
      late: { watched: 0, answered: 0, listening: 0 },
      states: NO_STATES(),
      conns: [],
    };
    everyFleet.push(counts);
    const requests: Array<[number, number]> = [];
    const live = (): LiveCounts => {
      advance();
      beat(counts);
      const s = counts.states;
      return {
        queued: 0,
        dialing: s.dialing,
        unverified: s.unverified + s.accepting,
        settling: s.settling,
        held: s.held,
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
        waitedWhileServed: counts.waitedWhileServed,
        failed: counts.failed,
        failures: { ...counts.failures },
        latency: {
          ...latency,
          connect: { ...latency.connect, buckets: { ...latency.connect.buckets } },
          heartbeat: { ...latency.heartbeat, buckets: { ...latency.heartbeat.buckets } },
        },
        shed: counts.shed,
        late: { ...counts.late, delaysMs: [] },
      });
    };
    return {
      requests,
      request(count) {
        requests.push([clock.now(), count]);
        counts.requested += count;
        for (let i = 0; i < count; i++) {
          const conn: SimConn = {
            state: 'dialing',
            atMs: clock.now() + connectMs,
            step: 0,
            failAs: null,
            served: false,
            openAtMs: 0,
            turnAtMs: Number.POSITIVE_INFINITY,
            verifiedAtDial: counts.verified + counts.late.answered,
            owner: counts,
          };
          counts.states.dialing++;
          counts.conns.push(conn);
          steps.push(conn);
        }
      },
      cancelQueued: () => undefined,
      shed(count) {
        advance();
        beat(counts);
        counts.shed += remove(counts, count);
      },
      liveCounts: async () => live(),
      lastOpenAtMs: async () => counts.lastOpenAtMs,
      observe: async () => observe(),
      stop: async () => void remove(counts, Number.POSITIVE_INFINITY),
    };
  };
  return {
    fleet,
    served: () => {
      advance();
      return servedNow;
    },
    closeHeld: (count) => {
      advance();
      let left = count;
      for (const counts of everyFleet)
        for (const conn of counts.conns) {
          if (left === 0) return;
          if (conn.state !== 'held') continue;
          fail(conn, 'closed', clock.now());
          left--;
        }
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
