import type { ExpectMatcher } from './expectMatcher.js';
import { judgeReply } from './expectMatcher.js';
import { Fifo } from './fifo.js';
import type { ConnState } from './fleetReading.js';
import { pace, type Pacer } from './pacer.js';

/** --heartbeat: what held connections send again and again, how often, and the reply they must see. */
export interface Heartbeat {
  readonly everyMs: number;
  readonly bytes: Buffer;
  readonly expect: ExpectMatcher;
}

/** What heartbeats need of a connection. */
export interface BeatingConn {
  readonly state: ConnState;
  readonly socket: { write(bytes: Buffer): unknown } | null;
  /** When its heartbeat went out, while the reply is awaited; 0 otherwise. */
  beatAtMs: number;
  /** The reply gathered so far. */
  received: Buffer | null;
}

/** What heartbeats tell the fleet. */
export interface HeartbeatHost<C> {
  /** Held connections now: the pace is held / everyMs beats a second. */
  held(): number;
  /** Appends a reply chunk to `conn.received`, up to the fleet's cap. */
  gather(conn: C, chunk: Buffer): void;
  sent(bytes: number): void;
  answered(latencyMs: number): void;
  /** A held connection whose heartbeat went unanswered in time, or was answered wrong: stale. */
  stale(conn: C, why: string): void;
}

/**
 * The heartbeats of a fleet's held connections (--heartbeat): each held connection sends the
 * heartbeat bytes about once every `everyMs` (paced over all of them, in turn), and must see the
 * expected reply within `expectTimeoutMs` or it is stale. Turns and deadlines are queues in time
 * order, so a sweep touches only the connections that are due.
 */
export class Heartbeats<C extends BeatingConn> {
  private readonly turns = new Fifo<C>();
  private readonly deadlines = new Fifo<C>();
  private pacer: Pacer = { nextAtMs: Number.NEGATIVE_INFINITY };

  constructor(
    private readonly beat: Heartbeat,
    private readonly expectTimeoutMs: number,
    private readonly host: HeartbeatHost<C>,
  ) {}

  /** A connection just held: it beats in its turn. */
  add(conn: C): void {
    this.turns.push(conn);
  }

  /** Returns true while a connection's heartbeat reply is awaited: its bytes are the reply's. */
  awaiting(conn: C): boolean {
    return conn.beatAtMs > 0 && conn.state === 'held';
  }

  /** Marks the unanswered beats past their deadline stale, then sends the beats now due. */
  sweep(now: number): void {
    this.deadlines.expire(
      (c) => c.beatAtMs === 0 || c.state !== 'held' || now - c.beatAtMs >= this.expectTimeoutMs,
      (c) => {
        if (this.awaiting(c))
          this.host.stale(
            c,
            `no reply to the heartbeat within ${Math.round(now - c.beatAtMs)}ms (--expect-timeout ${this.expectTimeoutMs}ms) on a held connection`,
          );
      },
    );
    const held = this.host.held();
    if (held === 0 || this.turns.size === 0) return;
    const { release, pacer } = pace(this.pacer, now, (held * 1000) / this.beat.everyMs, this.turns.size);
    this.pacer = pacer;
    for (let sent = 0; sent < release && this.turns.size > 0; ) {
      const conn = this.turns.shift() as C;
      if (conn.state !== 'held' || conn.socket === null) continue; // gone since: uses no turn
      sent++;
      conn.beatAtMs = now;
      conn.received = null;
      conn.socket.write(this.beat.bytes);
      this.host.sent(this.beat.bytes.length);
      this.deadlines.push(conn);
    }
  }

  /**
   * Gathers a heartbeat's reply; once it matches, records the latency and gives the connection its
   * next turn. A reply a protocol judges wrong (a refusal, garbage) makes it stale at once.
   */
  onReply(conn: C, chunk: Buffer, now: number): void {
    this.host.gather(conn, chunk);
    const judged = judgeReply(this.beat.expect, conn.received as Buffer);
    if (judged.kind === 'denied' || judged.kind === 'mismatch') {
      this.host.stale(
        conn,
        `the heartbeat was answered wrong on a held connection: ${judged.kind === 'denied' ? judged.said : judged.why}`,
      );
      return;
    }
    if (judged.kind !== 'served') return;
    this.host.answered(now - conn.beatAtMs);
    conn.beatAtMs = 0;
    conn.received = null;
    this.turns.push(conn);
  }
}
