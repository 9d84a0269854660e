import pLimit, { type LimitFunction } from 'p-limit';
import { judgeReply, type ExpectMatcher } from './expectMatcher.js';
import { protocolNamed } from '../protocols/protocols.js';
import { Fifo } from './fifo.js';
import { Heartbeats, type Heartbeat } from './heartbeats.js';
import { zeroCounters } from './runCounters.js';
import { recordLatency } from '../stats/latencyHistogram.js';
import { scanForMarker } from './markerScanner.js';
import { messagesDue, type MessagePlan } from './messagePlan.js';
import type { Channel, SocketHandlers } from '../net/channel.js';
import { dial, type DialOptions } from '../net/dialer.js';
import { classifyError, WAITING_KINDS, type FailureKind } from '../net/errors.js';
import {
  cloneLatency,
  emptyLatency,
  LATE_DELAYS_KEPT,
  LATE_GRACE_MS,
  LATE_WATCH_MAX,
  type ConnState,
  type Evidence,
  type FleetObservation,
  type LiveCounts,
  type SourceTally,
} from './fleetReading.js';
import type { TrafficOptions } from './trafficOptions.js';
import { pace, type Pacer } from './pacer.js';
import type { Route } from '../net/routes.js';

/** How a fleet dials, verifies and holds its connections. */
export interface FleetOptions extends TrafficOptions {
  /** Where connections go, round-robin: a destination and, optionally, the source address to bind. */
  readonly routes: readonly Route[];
  readonly dialTimeoutMs: number;
  readonly keepaliveMs: number;
  /** Dials in flight at once: the p-limit bound on dialers, each dialing one connection at a time; Infinity for none. */
  readonly maxInflight: number;
  readonly expect?: ExpectMatcher | undefined;
  readonly expectTimeoutMs: number;
  /** How long a verified connection must stay open before it counts as held. */
  readonly settleMs: number;
  /**
   * The backoff of a connection slot that keeps failing: its second reopen in a row waits this
   * long, each later one twice as long as the one before, up to MAX_BACKOFF_STEPS doublings. The
   * fleet never reopens on its own: the run loop asks for reopens within its own pacing (`request`).
   * Absent (fixed mode, --no-reopen), nothing is reopened: every `request` is a new connection.
   */
  readonly reopenBackoffMs?: number | undefined;
  /**
   * Close every connection this long after it opened and open a new one in its place (tcpkali's
   * --channel-lifetime): deliberate churn, counted as `recycled`, never as a failure.
   */
  readonly lifetimeMs?: number | undefined;
  /** Monotonic clock in milliseconds. */
  readonly now: () => number;
  /** Connections that send nothing run on bare TCP handles (default); false for net.Socket (--no-lean-sockets). */
  readonly leanSockets?: boolean | undefined;
  /** How often deadlines are swept (default 10 ms). */
  readonly sweepEveryMs?: number;
  /**
   * --heartbeat: every held connection sends `bytes` about once every `everyMs` and must see
   * `expect` within expectTimeoutMs, or it is stale (a failure; the prober closes it). The beats
   * of all held connections are spread evenly over `everyMs` by one pacer (no thundering herd).
   */
  readonly heartbeat?: Heartbeat | undefined;
}

interface Conn {
  state: ConnState;
  socket: Channel | null;
  startedAtMs: number;
  openAtMs: number;
  /** When it was verified; for a connection kept listening after its verification timed out, when it timed out. */
  verifiedAtMs: number;
  /** Bytes received while unverified (only with --expect), or the first bytes as evidence. */
  received: Buffer | null;
  error: Error | null;
  /** The dialer dialing this connection; it goes on to the next queued one once this one settles. */
  dialer: Dialer | null;
  /** Traffic: --message copies sent, whether a byte came back yet, and the marker's state. */
  sent: number;
  gotByte: boolean;
  markerCarry: Buffer | null;
  /** Send times of --message copies whose marker has not come back yet (oldest first). */
  markerPending: number[] | null;
  /** Failures in a row of the slot this connection fills; the slot outlives it, to be reopened (with backoff) by a later `request`. */
  streak: number;
  /** The source address dialed from, when the route binds one. */
  source: string | undefined;
  /** When a slot in backoff may dial again (fleet clock); 0 when it may now. */
  readyAtMs: number;
  /** When its --heartbeat went out, while the reply is awaited (its bytes gather in `received`); 0 otherwise. */
  beatAtMs: number;
  /** The fleet's count of served connections (verified, or answered late) when its dial began: did the target serve others while it waited? */
  verifiedAtDial: number;
}

/** How many times a failing slot's backoff doubles at most (base x 2^4 = 16 rounds in a ramp). */
export const MAX_BACKOFF_STEPS = 4;

/** Returns how long a slot with `streak` failures in a row waits before its next dial: none for the first. */
export function backoffMs(streak: number, baseMs: number): number {
  if (streak <= 1) return 0;
  return baseMs * 2 ** Math.min(streak - 2, MAX_BACKOFF_STEPS);
}

/** A source address's tally while the fleet counts it. */
type Tally = { -readonly [K in keyof SourceTally]: SourceTally[K] };

/** A dialer's end: resolves its p-limit job once no connection waits for a dial. */
type Dialer = () => void;

const CONN = Symbol('goon-probe.conn');
type TaggedSocket = Channel & { [CONN]?: Conn };

/** Bytes of --message a connection writes at most per sweep or drain, queued bytes included. */
export const SEND_BATCH_BYTES = 64 * 1024;
/** Marker send times kept per connection; past it, the oldest is dropped (a marker that never comes). */
const MAX_PENDING_MARKERS = 1024;

/** Bytes kept while waiting for --expect before calling it a mismatch. */
export const EXPECT_BUFFER_BYTES = 4096;
/** Bytes of a server's first words kept as evidence. */
export const EVIDENCE_BYTES = 200;
/** How far into the oldest established connections a drop still counts as one of them (a burst of evictions). */
const OLDEST_WALK = 64;
const LIVE_STATES: readonly ConnState[] = ['queued', 'dialing', 'unverified', 'settling', 'held'];

/**
 * The connections of one run: dials them through a bound on dials in flight, verifies and holds
 * them, reopens those that close, and counts everything. It takes commands (`request`, `stop`) and
 * reports plain observations; it never prints.
 */
export class Fleet {
  private readonly live = new Set<Conn>();
  /** The established connections in the order they opened (the target accepted them in that order). */
  private readonly opened = new Set<Conn>();
  private readonly counts: LiveCounts = { queued: 0, dialing: 0, unverified: 0, settling: 0, held: 0 };
  private readonly failures: Partial<Record<FailureKind, number>> = {};
  private readonly evidence: Partial<Record<FailureKind, Evidence>> = {};
  private readonly dialDeadlines = new Fifo<Conn>();
  private readonly verifyDeadlines = new Fifo<Conn>();
  private readonly settleDeadlines = new Fifo<Conn>();
  /** Connections whose verification timed out, kept listening for a late answer (at most LATE_WATCH_MAX), oldest first. */
  private readonly lateWatch = new Fifo<Conn>();
  private readonly late = { watched: 0, answered: 0, delaysMs: [] as number[], listening: 0 };
  private readonly lifetimeDeadlines = new Fifo<Conn>();
  private readonly paced = new Fifo<Conn>();
  /** --heartbeat: the held connections' beats, their turns and deadlines; null without. */
  private readonly heartbeats: Heartbeats<Conn> | null;
  /** Slots whose connection failed or was closed by the peer, oldest first, as their failures in a row: `request` fills these first. */
  private readonly vacant = new Fifo<number>();
  /** Queued connections of slots in backoff, not yet handed to a dialer. */
  private backingOff: Conn[] = [];
  private readonly bySource = new Map<string, Tally>();
  private servedBytes: string | null = null;
  /** Connections waiting for a dialer, in the order asked. */
  private readonly waiting = new Fifo<Conn>();
  /**
   * Dialers started and not yet ended, counted here at once: p-limit's own count drops a few
   * microtasks after a dialer ends, and a connection queued in between must still get one.
   */
  private dialers = 0;
  /**
   * Dialers about to go on with the next queued connection (one, while an open connection hands its
   * dialer to the replacement its recycle queued): a connection they will take needs no new dialer.
   */
  private handingOver = 0;
  private pacer: Pacer = { nextAtMs: Number.NEGATIVE_INFINITY };
  private readonly plan: MessagePlan | null;
  /** Copies of --message back to back, written in one go (up to 16 KiB, at least one copy). */
  private readonly batch: Buffer | null;
  /** Each write is a message of its own (WebSocket), so copies are not joined. */
  private readonly framed: boolean;
  /** A URL target's answer to its server's own liveness checks (NATS PING, WebSocket ping); absent for host:port. */
  private readonly answer: ((chunk: Buffer) => Buffer | null) | undefined;
  private readonly limit: LimitFunction;
  private readonly handlers: SocketHandlers;
  private readonly dialOptions: DialOptions;
  private readonly sweeper: NodeJS.Timeout;
  private stopped = false;
  private readonly counters = zeroCounters();
  /** Held connections dropped since a connection last opened, and the most of that since the last reading. */
  private heldDropStreak = 0;
  private heldDropBurst = 0;
  private peakEstablished = 0;
  /** When the newest connection established (the fleet's clock); null before any. */
  private lastOpenAtMs: number | null = null;
  private unclosed = 0;
  private readonly sourceAddresses: string[] = [];
  private errorMs: number[] = [];
  private readonly latency = emptyLatency();
  private onAllClosed: (() => void) | null = null;

  constructor(private readonly options: FleetOptions) {
    this.limit = pLimit(options.maxInflight);
    this.plan =
      options.message && options.message.length > 0
        ? {
            messageBytes: options.message.length,
            ratePerSec: options.messageRatePerSec,
            bandwidthBytesPerSec: options.bandwidthBytesPerSec,
          }
        : null;
    const message = options.message;
    this.batch =
      this.plan && message
        ? Buffer.concat(Array.from({ length: Math.max(1, Math.floor(16384 / message.length)) }, () => message))
        : null;
    this.framed = options.transport?.kind === 'websocket';
    this.answer = options.expect?.kind === 'protocol' ? protocolNamed(options.expect.protocol)?.answer : undefined;
    this.handlers = this.makeHandlers();
    this.heartbeats = options.heartbeat
      ? new Heartbeats<Conn>(options.heartbeat, options.expectTimeoutMs, {
          held: () => this.counts.held,
          gather: (conn, chunk) => gather(conn, chunk, EXPECT_BUFFER_BYTES),
          sent: (bytes) => {
            this.counters.bytesSent += bytes;
          },
          answered: (latencyMs) => recordLatency(this.latency.heartbeat, latencyMs),
          stale: (conn, why) => this.stale(conn, why),
        })
      : null;
    const sends = options.send !== undefined || this.plan !== null || options.heartbeat !== undefined;
    this.dialOptions = {
      keepaliveMs: options.keepaliveMs,
      sends,
      transport: options.transport,
      lean: options.leanSockets,
    };
    this.sweeper = setInterval(() => this.sweep(), options.sweepEveryMs ?? 10);
    this.sweeper.unref();
  }

  /**
   * Asks for `count` connections; they dial as the in-flight bound allows. Slots whose connection
   * failed or was closed are filled first (a slot failing again and again waits its backoff), then new ones.
   */
  request(count: number): void {
    for (let i = 0; i < count && !this.stopped; i++) {
      const streak = this.vacant.shift();
      if (streak !== undefined) this.counters.reopened++;
      this.enqueue(streak ?? 0);
    }
  }

  /** Returns the live counts now (deadlines swept), without starting a new latency window. */
  liveCounts(): Readonly<LiveCounts> {
    this.sweep();
    return { ...this.counts };
  }

  /** Returns when the newest connection established, on the fleet's clock; null before any. */
  lastOpenAt(): number | null {
    return this.lastOpenAtMs;
  }

  /** Returns the reading now, and starts a new latency window. */
  observe(): FleetObservation {
    this.sweep();
    const observation: FleetObservation = {
      atMs: this.options.now(),
      live: { ...this.counts },
      ...this.counters,
      heldDropBurst: this.heldDropBurst,
      failures: { ...this.failures },
      evidence: { ...this.evidence },
      peakEstablished: this.peakEstablished,
      errorMs: this.errorMs,
      sourceAddresses: [...this.sourceAddresses],
      latency: cloneLatency(this.latency),
      bySource: Object.fromEntries([...this.bySource].map(([address, tally]) => [address, { ...tally }])),
      servedBytes: this.servedBytes,
      late: {
        watched: this.late.watched,
        answered: this.late.answered,
        listening: this.late.listening,
        delaysMs: [...this.late.delaysMs],
      },
    };
    this.errorMs = [];
    // A run of drops still going on carries into the next reading's window.
    this.heldDropBurst = this.heldDropStreak;
    return observation;
  }

  /** Drops the dials that have not started yet. */
  cancelQueued(): void {
    // Dialers not started yet find nothing waiting and end at once; the count stays exact.
    this.waiting.clear();
    this.backingOff = [];
    for (const conn of this.live) if (conn.state === 'queued') this.moveTo(conn, 'stopped');
  }

  /**
   * Closes the `count` newest connections, queued or live, held ones last among equals of age: the
   * prober's own choice (an --slo search stepping down), so no failure and no reopen. Returns how
   * many it closed.
   */
  shedNewest(count: number): number {
    const newest = [...this.live].reverse();
    let closed = 0;
    for (const conn of newest) {
      if (closed >= count) break;
      this.releaseDial(conn);
      this.moveTo(conn, 'closed');
      conn.socket?.destroy();
      closed++;
    }
    this.counters.shed += closed;
    return closed;
  }

  /** Stops dialing, closes every connection, and resolves once every socket has closed. */
  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      clearInterval(this.sweeper);
      this.cancelQueued();
      for (const conn of this.live) {
        this.releaseDial(conn);
        this.moveTo(conn, 'stopped');
        conn.socket?.destroy();
      }
      for (let conn = this.lateWatch.shift(); conn !== undefined; conn = this.lateWatch.shift()) this.unwatch(conn);
    }
    if (this.unclosed > 0) await new Promise<void>((resolve) => (this.onAllClosed = resolve));
  }

  private enqueue(streak: number): void {
    const conn: Conn = {
      state: 'queued',
      socket: null,
      startedAtMs: 0,
      openAtMs: 0,
      verifiedAtMs: 0,
      received: null,
      error: null,
      dialer: null,
      sent: 0,
      gotByte: false,
      markerCarry: null,
      markerPending: null,
      streak,
      source: undefined,
      readyAtMs: 0,
      beatAtMs: 0,
      verifiedAtDial: 0,
    };
    this.counters.requested++;
    this.counts.queued++;
    this.live.add(conn);
    const waitMs = backoffMs(streak, this.options.reopenBackoffMs ?? 0);
    if (waitMs > 0) {
      conn.readyAtMs = this.options.now() + waitMs;
      this.backingOff.push(conn);
    } else this.release(conn);
  }

  /** Hands a queued connection on: to --connect-rate's pacing, or to the dialers. */
  private release(conn: Conn): void {
    if (this.options.connectRatePerSec === undefined) this.toDialers(conn);
    else this.paced.push(conn);
  }

  /** Releases the connections whose slot's backoff is over. */
  private releaseBackedOff(now: number): void {
    if (this.backingOff.length === 0) return;
    const waiting: Conn[] = [];
    for (const conn of this.backingOff) {
      if (conn.state !== 'queued') continue; // cancelled while waiting
      if (conn.readyAtMs <= now) this.release(conn);
      else waiting.push(conn);
    }
    this.backingOff = waiting;
  }

  /** Returns the tally of a source address, made on first use. */
  private tally(address: string): Tally {
    let tally = this.bySource.get(address);
    if (!tally) {
      tally = { attempts: 0, served: 0, failed: 0 };
      this.bySource.set(address, tally);
    }
    return tally;
  }

  /**
   * Queues a connection for a dialer, and starts one more dialer (a p-limit job) while fewer than
   * --max-inflight are running or about to. A dialer dials one connection at a time and goes on to
   * the next queued one when it settles: the bound holds, and a dial costs no promise of its own.
   */
  private toDialers(conn: Conn): void {
    this.waiting.push(conn);
    if (this.dialers < this.options.maxInflight && this.waiting.size > this.handingOver) {
      this.dialers++;
      void this.limit(() => new Promise<void>((done) => this.dialNext(done)));
    }
  }

  /** Has a dialer dial the next queued connection, or ends it when none is left (or the fleet stopped). */
  private dialNext(dialer: Dialer): void {
    for (;;) {
      const conn = this.stopped ? undefined : this.waiting.shift();
      if (conn === undefined) {
        this.dialers--;
        dialer();
        return;
      }
      if (conn.state !== 'queued') continue; // cancelled while waiting
      conn.dialer = dialer;
      if (this.startDial(conn)) return;
    }
  }

  /** Hands paced dials to the in-flight bound at --connect-rate. */
  private releasePaced(now: number): void {
    const rate = this.options.connectRatePerSec;
    if (rate === undefined || this.paced.size === 0) return;
    const { release, pacer } = pace(this.pacer, now, rate, this.paced.size);
    this.pacer = pacer;
    for (let started = 0; started < release && this.paced.size > 0; ) {
      const conn = this.paced.shift() as Conn;
      if (conn.state !== 'queued') continue; // cancelled while waiting: uses no start
      started++;
      this.toDialers(conn);
    }
  }

  /** Starts a queued connection's dial; returns false when it failed at once (its dialer is free again). */
  private startDial(conn: Conn): boolean {
    const route = this.options.routes[this.counters.started % this.options.routes.length] as Route;
    this.counters.started++;
    conn.source = route.localAddress;
    if (conn.source !== undefined) this.tally(conn.source).attempts++;
    this.moveTo(conn, 'dialing');
    conn.startedAtMs = this.options.now();
    conn.verifiedAtDial = this.counters.verified + this.late.answered;
    this.dialDeadlines.push(conn);
    try {
      const socket = dial(route, this.dialOptions, this.handlers) as TaggedSocket;
      socket[CONN] = conn;
      conn.socket = socket;
      this.unclosed++;
      return true;
    } catch (err) {
      conn.dialer = null; // the caller's loop goes on with this dialer
      this.fail(conn, classifyError(err), err as Error);
      return false;
    }
  }

  private makeHandlers(): SocketHandlers {
    const fleet = this;
    // Without a rate or a bandwidth, --message goes as fast as the socket takes it: refill on drain.
    const unpaced = this.plan !== null && messagesDue(this.plan, 0) === Number.POSITIVE_INFINITY;
    return {
      connect(this: Channel) {
        const conn = (this as TaggedSocket)[CONN];
        if (conn?.state === 'dialing') fleet.onOpen(conn, this);
      },
      data(this: Channel, chunk: Buffer) {
        const conn = (this as TaggedSocket)[CONN];
        if (conn) fleet.onData(conn, chunk);
      },
      error(this: Channel, err: Error) {
        const conn = (this as TaggedSocket)[CONN];
        if (conn && !conn.error) conn.error = err;
      },
      close(this: Channel) {
        const conn = (this as TaggedSocket)[CONN];
        if (conn) fleet.onClose(conn);
      },
      drain: unpaced
        ? function (this: Channel) {
            const conn = (this as TaggedSocket)[CONN];
            if (conn && isEstablished(conn.state)) fleet.sendMessages(conn, fleet.options.now());
          }
        : undefined,
    };
  }

  /**
   * Writes the --message copies now due on a connection: at most SEND_BATCH_BYTES per call (a
   * sweep, or a drain), so that one fast connection never holds the event loop. On a byte stream
   * the copies go in one write; over WebSocket each copy is its own message.
   */
  private sendMessages(conn: Conn, now: number): void {
    const plan = this.plan;
    const batch = this.batch;
    const socket = conn.socket;
    if (!plan || !batch || !socket) return;
    const size = plan.messageBytes;
    const room = Math.floor((SEND_BATCH_BYTES - socket.writableLength) / size);
    const due = messagesDue(plan, now - conn.openAtMs);
    let n = Math.min(due - conn.sent, Math.max(room, 0));
    if (n <= 0) {
      // Behind its rate with a full socket: it does not burst to catch up later.
      if (Number.isFinite(due) && due - conn.sent > 1) conn.sent = due - 1;
      return;
    }
    conn.sent += n;
    this.counters.bytesSent += n * size;
    if (this.options.latencyMarker) {
      conn.markerPending ??= [];
      for (let i = 0; i < n; i++) conn.markerPending.push(now);
      if (conn.markerPending.length > MAX_PENDING_MARKERS)
        conn.markerPending.splice(0, conn.markerPending.length - MAX_PENDING_MARKERS);
    }
    const perWrite = this.framed ? 1 : batch.length / size;
    while (n > 0) {
      const k = Math.min(n, perWrite);
      socket.write(k * size === batch.length ? batch : batch.subarray(0, k * size));
      n -= k;
    }
  }

  private onOpen(conn: Conn, socket: Channel): void {
    const now = this.options.now();
    this.counters.established++;
    recordLatency(this.latency.connect, now - conn.startedAtMs);
    // One getsockname per run, not per connection: the kernel picks the same source for one route.
    if (this.sourceAddresses.length === 0 && socket.localAddress) this.sourceAddresses.push(socket.localAddress);
    conn.openAtMs = now;
    this.lastOpenAtMs = now;
    this.moveTo(conn, 'unverified');
    this.opened.add(conn);
    this.heldDropStreak = 0;
    if (this.options.lifetimeMs !== undefined) this.lifetimeDeadlines.push(conn);
    if (this.options.send) {
      socket.write(this.options.send);
      this.counters.bytesSent += this.options.send.length;
    }
    if (this.plan) this.sendMessages(conn, now);
    if (this.options.expect) this.verifyDeadlines.push(conn);
    else this.verify(conn, now);
    const established = this.counts.unverified + this.counts.settling + this.counts.held;
    if (established > this.peakEstablished) this.peakEstablished = established;
    if (this.options.lifetimeMs === 0) {
      // The replacement goes to this connection's dialer, freed just below: no dialer of its own.
      const handing = conn.dialer === null ? 0 : 1;
      this.handingOver += handing;
      this.recycle(conn);
      this.handingOver -= handing;
    }
    // Last, so that the dialer goes on with the replacement a recycle has just queued.
    this.releaseDial(conn);
  }

  private onData(conn: Conn, chunk: Buffer): void {
    this.counters.bytesReceived += chunk.length;
    if (conn.state === 'failed') {
      this.onLateData(conn, chunk);
      return;
    }
    // A URL target's server checking that its client is alive (NATS PING, a WebSocket ping): answer it.
    const reply = this.answer?.(chunk);
    if (reply && conn.socket) {
      conn.socket.write(reply);
      this.counters.bytesSent += reply.length;
    }
    if (!conn.gotByte) {
      conn.gotByte = true;
      if (conn.openAtMs > 0) recordLatency(this.latency.firstByte, this.options.now() - conn.openAtMs);
    }
    const marker = this.options.latencyMarker;
    if (marker && conn.markerPending && conn.markerPending.length > 0) {
      const scan = scanForMarker(marker, conn.markerCarry, chunk);
      conn.markerCarry = scan.carry;
      const now = this.options.now();
      for (let i = 0; i < scan.found && conn.markerPending.length > 0; i++)
        recordLatency(this.latency.marker, now - (conn.markerPending.shift() as number));
    }
    if (this.heartbeats?.awaiting(conn)) {
      this.heartbeats.onReply(conn, chunk, this.options.now());
      return;
    }
    const expect = this.options.expect;
    const waiting = conn.state === 'unverified' && expect !== undefined;
    const cap = waiting ? EXPECT_BUFFER_BYTES : EVIDENCE_BYTES;
    gather(conn, chunk, cap);
    // A greeting that comes after the connection was held (a busy server) still shows what served clients get.
    if (conn.state === 'held' && this.servedBytes === null && conn.received)
      this.servedBytes = conn.received.subarray(0, EVIDENCE_BYTES).toString('latin1');
    if (!waiting || !conn.received) return;
    const judged = judgeReply(expect, conn.received);
    if (judged.kind === 'served') this.verify(conn, this.options.now());
    else if (judged.kind === 'denied') this.fail(conn, 'denied', new Error(judged.said));
    else if (judged.kind === 'mismatch') this.fail(conn, 'verify-mismatch', new Error(judged.why));
    else if (conn.received.length >= EXPECT_BUFFER_BYTES)
      this.fail(conn, 'verify-mismatch', new Error(`no whole reply within ${EXPECT_BUFFER_BYTES} bytes`));
  }

  private verify(conn: Conn, now: number): void {
    this.counters.verified++;
    if (conn.source !== undefined) this.tally(conn.source).served++;
    conn.verifiedAtMs = now;
    this.moveTo(conn, 'settling');
    this.settleDeadlines.push(conn);
  }

  private onClose(conn: Conn): void {
    this.unclosed--;
    const state = conn.state;
    if (state === 'dialing') {
      this.fail(conn, conn.error ? classifyError(conn.error) : 'other', conn.error ?? undefined);
    } else if (isEstablished(state)) {
      this.drop(conn);
    } else if (state === 'failed' && conn.verifiedAtMs !== 0) {
      // Kept listening for a late answer, and closed by the peer instead: no answer.
      conn.verifiedAtMs = 0;
      this.late.listening--;
    }
    conn.socket = null;
    if (this.unclosed === 0 && this.onAllClosed) this.onAllClosed();
  }

  private drop(conn: Conn): void {
    const mismatch = conn.state === 'unverified' && this.options.expect !== undefined && conn.received !== null;
    const kind: FailureKind = mismatch ? 'verify-mismatch' : conn.error ? classifyError(conn.error) : 'closed';
    this.counters.dropped++;
    if (conn.state === 'held') {
      this.counters.droppedHeld++;
      this.heldDropBurst = Math.max(this.heldDropBurst, ++this.heldDropStreak);
    }
    if (this.isAmongOldest(conn)) this.counters.droppedOldest++;
    this.count(kind, conn);
    // A held connection that drops has failed once; one dropped before it was held, once more.
    this.vacate(conn.state === 'held' ? 1 : conn.streak + 1);
    this.moveTo(conn, 'closed');
  }

  /**
   * Returns true when the connection is among the oldest still established, in the order they
   * opened (the order the target accepted them; dial order differs once reopens wait out a
   * backoff). Measured against the held ones: fewer than half of them opened before it. A target
   * that evicts old connections drops several at once, and their closes reach the prober in any
   * order (a busy machine reads a burst in one batch), so "none older" would count only the first.
   * A target that closes new connections past its limit drops ones that every held connection
   * opened before, however many others are still waiting to be closed. With nothing held yet, only
   * the very oldest counts. The walk stops after OLDEST_WALK, so a drop costs the same with 100k
   * connections held.
   */
  private isAmongOldest(conn: Conn): boolean {
    const held = this.counts.held;
    let older = 0;
    let olderHeld = 0;
    for (const other of this.opened) {
      if (other === conn) return held === 0 ? older === 0 : olderHeld < held / 2;
      if (++older >= OLDEST_WALK) return false;
      if (other.state === 'held' && ++olderHeld >= held / 2) return false;
    }
    return false;
  }

  /** Marks a connection failed before it was served, and closes it (or, with `listen`, keeps it listening for a late answer). */
  private fail(conn: Conn, kind: FailureKind, err?: Error, listen = false): void {
    if (err && !conn.error) conn.error = err;
    this.counters.failed++;
    this.errorMs.push(this.options.now() - conn.startedAtMs);
    if (WAITING_KINDS.includes(kind) && this.counters.verified + this.late.answered > conn.verifiedAtDial)
      this.counters.waitedWhileServed++;
    this.count(kind, conn);
    this.vacate(conn.streak + 1);
    this.releaseDial(conn);
    this.moveTo(conn, 'failed');
    if (listen && conn.socket !== null) {
      // Its slot is vacated and the failure counted; the socket stays open only to see whether the
      // target answers late (a slow target) or never (a full one): evidence, not capacity. A spread
      // of them is kept, the newest always: answers then come all the while a slow target works
      // through its queue, and the last one when it is through.
      if (this.late.listening >= LATE_WATCH_MAX) this.thinWatched();
      this.late.watched++;
      this.late.listening++;
      conn.verifiedAtMs = this.options.now();
      this.lateWatch.push(conn);
    } else conn.socket?.destroy();
  }

  /** Gathers what a timed-out connection receives; an answer that matches --expect is counted as late, with its delay. */
  private onLateData(conn: Conn, chunk: Buffer): void {
    const expect = this.options.expect;
    if (!expect || conn.verifiedAtMs === 0 || conn.socket === null) return;
    gather(conn, chunk, EXPECT_BUFFER_BYTES);
    if (judgeReply(expect, conn.received as Buffer).kind !== 'served') return;
    this.late.answered++;
    if (this.late.delaysMs.length < LATE_DELAYS_KEPT) this.late.delaysMs.push(this.options.now() - conn.verifiedAtMs);
    this.unwatch(conn);
  }

  /**
   * Lets every second timed-out connection still listening go (uncounted: not followed to the end),
   * oldest first kept, so that those kept stay spread over the time they timed out.
   */
  private thinWatched(): void {
    const listening: Conn[] = [];
    for (let conn = this.lateWatch.shift(); conn !== undefined; conn = this.lateWatch.shift())
      if (conn.verifiedAtMs !== 0) listening.push(conn);
    listening.forEach((conn, i) => {
      if (i % 2 === 0) this.lateWatch.push(conn);
      else {
        this.late.watched--;
        this.unwatch(conn);
      }
    });
  }

  /** Stops listening on a timed-out connection and closes it. */
  private unwatch(conn: Conn): void {
    if (conn.verifiedAtMs === 0) return;
    conn.verifiedAtMs = 0;
    this.late.listening--;
    conn.socket?.destroy();
  }

  private count(kind: FailureKind, conn: Conn): void {
    this.failures[kind] = (this.failures[kind] ?? 0) + 1;
    const source = conn.source === undefined ? undefined : this.tally(conn.source);
    if (source) source.failed++;
    if (this.evidence[kind] && (!source || source.evidence)) return;
    const bytes = conn.received?.subarray(0, EVIDENCE_BYTES);
    const evidence: Evidence = {
      ...(conn.error ? { message: conn.error.message } : {}),
      ...(bytes && bytes.length > 0 ? { bytes: bytes.toString('latin1') } : {}),
    };
    this.evidence[kind] ??= evidence;
    if (source) source.evidence ??= { kind, ...evidence };
  }

  /** Leaves a slot to be reopened by a later `request`, with its failures in a row; only when the run reopens. */
  private vacate(streak: number): void {
    if (this.options.reopenBackoffMs !== undefined) this.vacant.push(streak);
  }

  /** Frees the connection's dialer for the next queued connection. */
  private releaseDial(conn: Conn): void {
    const dialer = conn.dialer;
    if (dialer === null) return;
    conn.dialer = null;
    this.dialNext(dialer);
  }

  private moveTo(conn: Conn, to: ConnState): void {
    const from = conn.state;
    if (LIVE_STATES.includes(from)) this.counts[from as keyof LiveCounts]--;
    if (LIVE_STATES.includes(to)) this.counts[to as keyof LiveCounts]++;
    else {
      this.live.delete(conn);
      this.opened.delete(conn);
    }
    conn.state = to;
  }

  /** Expires dial and verification deadlines and promotes settled connections to held. */
  private sweep(): void {
    const now = this.options.now();
    this.releaseBackedOff(now);
    this.releasePaced(now);
    if (this.plan) for (const conn of this.live) if (isEstablished(conn.state)) this.sendMessages(conn, now);
    const { dialTimeoutMs, expectTimeoutMs, settleMs } = this.options;
    this.dialDeadlines.expire(
      (c) => c.state !== 'dialing' || now - c.startedAtMs >= dialTimeoutMs,
      (c) => {
        if (c.state !== 'dialing') return;
        // Over TLS or WebSocket, a TCP connection that opened and then waited on its handshake is no SYN unanswered.
        if (c.socket?.tcpOpen === true)
          this.fail(
            c,
            'handshake',
            new Error(
              `the TLS or WebSocket handshake did not finish within ${dialTimeoutMs}ms over an open TCP connection`,
            ),
          );
        else this.fail(c, 'timeout');
      },
    );
    this.verifyDeadlines.expire(
      (c) => c.state !== 'unverified' || now - c.openAtMs >= expectTimeoutMs,
      (c) => {
        if (c.state === 'unverified') this.fail(c, 'verify-timeout', undefined, true);
      },
    );
    this.lateWatch.expire(
      (c) => c.verifiedAtMs === 0 || now - c.verifiedAtMs >= LATE_GRACE_MS,
      (c) => this.unwatch(c),
    );
    this.settleDeadlines.expire(
      (c) => c.state !== 'settling' || now - c.verifiedAtMs >= settleMs,
      (c) => {
        if (c.state === 'settling') this.hold(c);
      },
    );
    this.heartbeats?.sweep(now);
    const lifetimeMs = this.options.lifetimeMs;
    if (lifetimeMs === undefined) return;
    this.lifetimeDeadlines.expire(
      (c) => !isEstablished(c.state) || now - c.openAtMs >= lifetimeMs,
      (c) => {
        if (isEstablished(c.state)) this.recycle(c);
      },
    );
  }

  /** Counts a settled connection as held: its slot's failures are over, and its first bytes show what served clients get. */
  private hold(conn: Conn): void {
    conn.streak = 0;
    if (this.servedBytes === null && conn.received !== null)
      this.servedBytes = conn.received.subarray(0, EVIDENCE_BYTES).toString('latin1');
    this.moveTo(conn, 'held');
    this.heartbeats?.add(conn);
  }

  /** Counts a held connection whose heartbeat went unanswered or was answered wrong (`why`) as stale, and closes it. */
  private stale(conn: Conn, why: string): void {
    conn.error = new Error(why);
    this.count('stale', conn);
    this.vacate(1);
    this.moveTo(conn, 'closed');
    conn.socket?.destroy();
  }

  /** Closes a connection whose lifetime is over and opens its replacement. */
  private recycle(conn: Conn): void {
    this.counters.recycled++;
    this.moveTo(conn, 'closed');
    conn.socket?.destroy();
    if (!this.stopped) this.enqueue(conn.streak);
  }
}

/** Keeps a connection's received bytes, up to `cap` of them in all (a reply to match, or evidence). */
function gather(conn: Conn, chunk: Buffer, cap: number): void {
  const kept = conn.received ? conn.received.length : 0;
  if (kept >= cap) return;
  const part = chunk.subarray(0, cap - kept);
  conn.received = conn.received ? Buffer.concat([conn.received, part]) : Buffer.from(part);
}

/** Returns true for the states of a connection whose handshake finished and that is still open. */
function isEstablished(state: ConnState): boolean {
  return state === 'unverified' || state === 'settling' || state === 'held';
}
