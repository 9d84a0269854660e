import type { Socket } from 'node:net';
import pLimit, { type LimitFunction } from 'p-limit';
import { expectMatches, type ExpectMatcher } from './expectMatcher.js';
import { Fifo } from './fifo.js';
import { dial, type DialOptions, type SocketHandlers } from './net/dialer.js';
import { classifyError, type FailureKind } from './net/errors.js';
import type { Route } from './routes.js';

/** Where a connection is in its life (DESIGN.md "Connection lifecycle"). */
export type ConnState = 'queued' | 'dialing' | 'open' | 'verified' | 'held' | 'closed' | 'failed' | 'stopped';

/** How a fleet dials, verifies and holds its connections. */
export interface FleetOptions {
  /** Where connections go, round-robin: a destination and, optionally, the source address to bind. */
  readonly routes: readonly Route[];
  readonly dialTimeoutMs: number;
  readonly keepaliveMs: number;
  /** Dials in flight at once (p-limit); Infinity for none. */
  readonly maxInflight: number;
  readonly send?: Buffer | undefined;
  readonly expect?: ExpectMatcher | undefined;
  readonly expectTimeoutMs: number;
  /** How long a verified connection must stay open before it counts as held. */
  readonly settleMs: number;
  /** Reopen connections that the peer closes. */
  readonly reopen: boolean;
  /**
   * Close every connection this long after it opened and open a new one in its place (tcpkali's
   * --channel-lifetime): deliberate churn, counted as `recycled`, never as a failure.
   */
  readonly lifetimeMs?: number | undefined;
  /** Monotonic clock in milliseconds. */
  readonly now: () => number;
  /** How often deadlines are swept (default 10 ms). */
  readonly sweepEveryMs?: number;
}

/** The first sign of a failure kind: the error text, or the first bytes the server sent. */
export interface Evidence {
  readonly message?: string;
  readonly bytes?: string;
}

/** Connections by live state, at one moment. */
export interface LiveCounts {
  queued: number;
  dialing: number;
  open: number;
  verified: number;
  held: number;
}

/** A plain, serialisable reading of a fleet (DESIGN.md "Layers"). Totals are cumulative. */
export interface FleetObservation {
  readonly atMs: number;
  readonly live: Readonly<LiveCounts>;
  /** Connections asked for, including reopens. */
  readonly requested: number;
  /** Dials begun (queued ones not yet). */
  readonly started: number;
  readonly reopened: number;
  readonly established: number;
  /** Failures before open, or of verification. */
  readonly failed: number;
  /** Open connections the peer closed or reset. */
  readonly dropped: number;
  /** Of those, connections that had been held. */
  readonly droppedHeld: number;
  /** Of those, connections that were the oldest one open when dropped: eviction's sign. */
  readonly droppedOldest: number;
  /** Connections the prober itself closed at the end of their --channel-lifetime (and replaced). */
  readonly recycled: number;
  readonly failures: Readonly<Partial<Record<FailureKind, number>>>;
  readonly evidence: Readonly<Partial<Record<FailureKind, Evidence>>>;
  /** The most connections established (open, verified or held) at one moment. */
  readonly peakEstablished: number;
  /** Connect latencies and times to error (ms) since the previous observation. */
  readonly connectMs: readonly number[];
  readonly errorMs: readonly number[];
  /** Local addresses connections were dialed from (the first one seen per run, for the record). */
  readonly sourceAddresses: readonly string[];
}

interface Conn {
  state: ConnState;
  socket: Socket | null;
  startedAtMs: number;
  openAtMs: number;
  verifiedAtMs: number;
  /** Bytes received while unverified (only with --expect), or the first bytes as evidence. */
  received: Buffer | null;
  error: Error | null;
  release: (() => void) | null;
  wasHeld: boolean;
}

const CONN = Symbol('goon-probe.conn');
type TaggedSocket = Socket & { [CONN]?: Conn };

/** Bytes kept while waiting for --expect before calling it a mismatch. */
export const EXPECT_BUFFER_BYTES = 4096;
/** Bytes of a server's first words kept as evidence. */
export const EVIDENCE_BYTES = 200;
const LIVE_STATES: readonly ConnState[] = ['queued', 'dialing', 'open', 'verified', 'held'];

/**
 * The connections of one run: dials them through a bound on dials in flight, verifies and holds
 * them, reopens those that close, and counts everything. It takes commands (`open`, `stop`) and
 * reports plain observations; it never prints.
 */
export class Fleet {
  private readonly live = new Set<Conn>();
  private readonly counts: LiveCounts = { queued: 0, dialing: 0, open: 0, verified: 0, held: 0 };
  private readonly failures: Partial<Record<FailureKind, number>> = {};
  private readonly evidence: Partial<Record<FailureKind, Evidence>> = {};
  private readonly dialDeadlines = new Fifo<Conn>();
  private readonly verifyDeadlines = new Fifo<Conn>();
  private readonly settleDeadlines = new Fifo<Conn>();
  private readonly lifetimeDeadlines = new Fifo<Conn>();
  private readonly limit: LimitFunction;
  private readonly handlers: SocketHandlers;
  private readonly dialOptions: DialOptions;
  private readonly sweeper: NodeJS.Timeout;
  private reopen: boolean;
  private stopped = false;
  private requested = 0;
  private started = 0;
  private reopened = 0;
  private established = 0;
  private failed = 0;
  private dropped = 0;
  private droppedHeld = 0;
  private droppedOldest = 0;
  private recycled = 0;
  private peakEstablished = 0;
  private unclosed = 0;
  private readonly sourceAddresses: string[] = [];
  private connectMs: number[] = [];
  private errorMs: number[] = [];
  private onAllClosed: (() => void) | null = null;

  constructor(private readonly options: FleetOptions) {
    this.reopen = options.reopen;
    this.limit = pLimit(options.maxInflight);
    this.handlers = this.makeHandlers();
    this.dialOptions = { keepaliveMs: options.keepaliveMs, noDelay: options.send !== undefined };
    this.sweeper = setInterval(() => this.sweep(), options.sweepEveryMs ?? 10);
    this.sweeper.unref();
  }

  /** Asks for `count` new connections; they dial as the in-flight bound allows. */
  open(count: number): void {
    for (let i = 0; i < count && !this.stopped; i++) this.enqueue();
  }

  /** Turns reopening of closed connections on or off. */
  setReopen(reopen: boolean): void {
    this.reopen = reopen;
  }

  /** Returns the live counts now (deadlines swept), without starting a new latency window. */
  liveCounts(): Readonly<LiveCounts> {
    this.sweep();
    return { ...this.counts };
  }

  /** Returns the reading now, and starts a new latency window. */
  observe(): FleetObservation {
    this.sweep();
    const observation: FleetObservation = {
      atMs: this.options.now(),
      live: { ...this.counts },
      requested: this.requested,
      started: this.started,
      reopened: this.reopened,
      established: this.established,
      failed: this.failed,
      dropped: this.dropped,
      droppedHeld: this.droppedHeld,
      droppedOldest: this.droppedOldest,
      recycled: this.recycled,
      failures: { ...this.failures },
      evidence: { ...this.evidence },
      peakEstablished: this.peakEstablished,
      connectMs: this.connectMs,
      errorMs: this.errorMs,
      sourceAddresses: [...this.sourceAddresses],
    };
    this.connectMs = [];
    this.errorMs = [];
    return observation;
  }

  /** Drops the dials that have not started yet. */
  cancelQueued(): void {
    this.limit.clearQueue();
    for (const conn of this.live) if (conn.state === 'queued') this.moveTo(conn, 'stopped');
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
    }
    if (this.unclosed > 0) await new Promise<void>((resolve) => (this.onAllClosed = resolve));
  }

  private enqueue(): void {
    const conn: Conn = {
      state: 'queued', socket: null, startedAtMs: 0, openAtMs: 0, verifiedAtMs: 0,
      received: null, error: null, release: null, wasHeld: false,
    };
    this.requested++;
    this.counts.queued++;
    this.live.add(conn);
    void this.limit(() => this.startDial(conn));
  }

  private startDial(conn: Conn): Promise<void> {
    if (this.stopped || conn.state !== 'queued') return Promise.resolve();
    const route = this.options.routes[this.started % this.options.routes.length] as Route;
    this.started++;
    this.moveTo(conn, 'dialing');
    conn.startedAtMs = this.options.now();
    this.dialDeadlines.push(conn);
    return new Promise<void>((resolve) => {
      conn.release = resolve;
      try {
        const socket = dial(route, this.dialOptions, this.handlers) as TaggedSocket;
        socket[CONN] = conn;
        conn.socket = socket;
        this.unclosed++;
      } catch (err) {
        this.fail(conn, classifyError(err), err as Error);
      }
    });
  }

  private makeHandlers(): SocketHandlers {
    const fleet = this;
    return {
      connect(this: Socket) {
        const conn = (this as TaggedSocket)[CONN];
        if (conn?.state === 'dialing') fleet.onOpen(conn, this);
      },
      data(this: Socket, chunk: Buffer) {
        const conn = (this as TaggedSocket)[CONN];
        if (conn) fleet.onData(conn, chunk);
      },
      error(this: Socket, err: Error) {
        const conn = (this as TaggedSocket)[CONN];
        if (conn && !conn.error) conn.error = err;
      },
      close(this: Socket) {
        const conn = (this as TaggedSocket)[CONN];
        if (conn) fleet.onClose(conn);
      },
    };
  }

  private onOpen(conn: Conn, socket: Socket): void {
    const now = this.options.now();
    this.releaseDial(conn);
    this.established++;
    this.connectMs.push(now - conn.startedAtMs);
    // One getsockname per run, not per connection: the kernel picks the same source for one route.
    if (this.sourceAddresses.length === 0 && socket.localAddress) this.sourceAddresses.push(socket.localAddress);
    conn.openAtMs = now;
    this.moveTo(conn, 'open');
    if (this.options.lifetimeMs !== undefined) this.lifetimeDeadlines.push(conn);
    if (this.options.send) socket.write(this.options.send);
    if (this.options.expect) this.verifyDeadlines.push(conn);
    else this.verify(conn, now);
    const established = this.counts.open + this.counts.verified + this.counts.held;
    if (established > this.peakEstablished) this.peakEstablished = established;
    if (this.options.lifetimeMs === 0) this.recycle(conn);
  }

  private onData(conn: Conn, chunk: Buffer): void {
    const expect = this.options.expect;
    const waiting = conn.state === 'open' && expect !== undefined;
    const cap = waiting ? EXPECT_BUFFER_BYTES : EVIDENCE_BYTES;
    const kept = conn.received ? conn.received.length : 0;
    if (kept < cap) {
      const part = chunk.subarray(0, cap - kept);
      conn.received = conn.received ? Buffer.concat([conn.received, part]) : Buffer.from(part);
    }
    if (!waiting || !conn.received) return;
    if (expectMatches(expect, conn.received)) this.verify(conn, this.options.now());
    else if (conn.received.length >= EXPECT_BUFFER_BYTES) this.fail(conn, 'verify-mismatch');
  }

  private verify(conn: Conn, now: number): void {
    conn.verifiedAtMs = now;
    this.moveTo(conn, 'verified');
    this.settleDeadlines.push(conn);
  }

  private onClose(conn: Conn): void {
    this.unclosed--;
    const state = conn.state;
    if (state === 'dialing') {
      this.fail(conn, conn.error ? classifyError(conn.error) : 'other', conn.error ?? undefined);
    } else if (isEstablished(state)) {
      this.drop(conn);
    }
    conn.socket = null;
    if (this.unclosed === 0 && this.onAllClosed) this.onAllClosed();
  }

  private drop(conn: Conn): void {
    const mismatch = conn.state === 'open' && this.options.expect !== undefined && conn.received !== null;
    const kind: FailureKind = mismatch ? 'verify-mismatch' : conn.error ? classifyError(conn.error) : 'closed';
    this.dropped++;
    if (conn.state === 'held') this.droppedHeld++;
    if (this.isOldestEstablished(conn)) this.droppedOldest++;
    this.count(kind, conn);
    this.moveTo(conn, 'closed');
    if (this.reopen && !this.stopped) {
      this.reopened++;
      this.enqueue();
    }
  }

  /**
   * Returns true when no connection dialed before this one is still established. The live set keeps
   * dial order and p-limit starts dials in that order, so this only steps past older connections
   * still dialing: at most --max-inflight of them (64 in ramp mode).
   */
  private isOldestEstablished(conn: Conn): boolean {
    for (const other of this.live) {
      if (other === conn) return true;
      if (isEstablished(other.state)) return false;
    }
    return false;
  }

  /** Marks a connection failed before it was served, and closes it. */
  private fail(conn: Conn, kind: FailureKind, err?: Error): void {
    if (err && !conn.error) conn.error = err;
    this.failed++;
    this.errorMs.push(this.options.now() - conn.startedAtMs);
    this.count(kind, conn);
    this.releaseDial(conn);
    this.moveTo(conn, 'failed');
    conn.socket?.destroy();
  }

  private count(kind: FailureKind, conn: Conn): void {
    this.failures[kind] = (this.failures[kind] ?? 0) + 1;
    if (this.evidence[kind]) return;
    const bytes = conn.received?.subarray(0, EVIDENCE_BYTES);
    this.evidence[kind] = {
      ...(conn.error ? { message: conn.error.message } : {}),
      ...(bytes && bytes.length > 0 ? { bytes: bytes.toString('latin1') } : {}),
    };
  }

  private releaseDial(conn: Conn): void {
    conn.release?.();
    conn.release = null;
  }

  private moveTo(conn: Conn, to: ConnState): void {
    const from = conn.state;
    if (LIVE_STATES.includes(from)) this.counts[from as keyof LiveCounts]--;
    if (LIVE_STATES.includes(to)) this.counts[to as keyof LiveCounts]++;
    else this.live.delete(conn);
    if (to === 'held') conn.wasHeld = true;
    conn.state = to;
  }

  /** Expires dial and verification deadlines and promotes settled connections to held. */
  private sweep(): void {
    const now = this.options.now();
    const { dialTimeoutMs, expectTimeoutMs, settleMs } = this.options;
    expire(this.dialDeadlines, (c) => c.state !== 'dialing' || now - c.startedAtMs >= dialTimeoutMs, (c) => {
      if (c.state === 'dialing') this.fail(c, 'timeout');
    });
    expire(this.verifyDeadlines, (c) => c.state !== 'open' || now - c.openAtMs >= expectTimeoutMs, (c) => {
      if (c.state === 'open') this.fail(c, 'verify-timeout');
    });
    expire(this.settleDeadlines, (c) => c.state !== 'verified' || now - c.verifiedAtMs >= settleMs, (c) => {
      if (c.state === 'verified') this.moveTo(c, 'held');
    });
    const lifetimeMs = this.options.lifetimeMs;
    if (lifetimeMs === undefined) return;
    expire(this.lifetimeDeadlines, (c) => !isEstablished(c.state) || now - c.openAtMs >= lifetimeMs, (c) => {
      if (isEstablished(c.state)) this.recycle(c);
    });
  }

  /** Closes a connection whose lifetime is over and opens its replacement. */
  private recycle(conn: Conn): void {
    this.recycled++;
    this.moveTo(conn, 'closed');
    conn.socket?.destroy();
    if (!this.stopped) this.enqueue();
  }
}

/** Returns true for the states of a connection whose handshake finished and that is still open. */
function isEstablished(state: ConnState): boolean {
  return state === 'open' || state === 'verified' || state === 'held';
}

/** Takes items off the head of a deadline queue while `due` holds, handing each to `act`. */
function expire(queue: Fifo<Conn>, due: (conn: Conn) => boolean, act: (conn: Conn) => void): void {
  for (let head = queue.peek(); head !== undefined && due(head); head = queue.peek()) act(queue.shift() as Conn);
}
