import { constants } from 'node:os';
import {
  cloneLatency,
  emptyLatency,
  noLateAnswers,
  type Evidence,
  type FleetObservation,
  type LiveCounts,
  type SourceTally,
} from './fleetReading.js';
import { EXPECT_BUFFER_BYTES, type FleetOptions } from './fleet.js';
import { RUN_COUNTERS, zeroCounters, type RunCounters } from './runCounters.js';
import { classifyError, type FailureKind } from '../net/errors.js';
import { recordLatency } from '../stats/latencyHistogram.js';
import {
  type EngineHandle,
  NATIVE_CODES,
  type NativeAddon,
  type NativeFirst,
  type NativeReading,
} from './nativeEngine.js';

/** errno numbers to their names (ECONNREFUSED), for the classification both engines share. */
const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, n]) => [n, name]));

/**
 * A fleet on the native engine (native/engine.c): the same commands and the same observations as
 * Fleet, for the runs the engine covers (engineChoice.ts: plain TCP, with --send, a literal --expect,
 * --message and --latency-marker). The
 * connections live in C; this class turns the engine's counts, error codes and batched latency
 * samples into a FleetObservation, classifying the codes as the TypeScript fleet does.
 */
export class NativeFleet {
  private readonly engine: EngineHandle;
  /** This fleet's clock minus the engine's (both monotonic): the engine's times, on the run's clock. */
  private readonly offsetMs: number;
  private readonly latency = emptyLatency();
  private readonly sources: readonly string[];
  private last: NativeReading | null = null;
  private stopped = false;

  constructor(
    private readonly addon: NativeAddon,
    private readonly options: FleetOptions,
  ) {
    const sources = [...new Set(options.routes.flatMap((r) => (r.localAddress === undefined ? [] : [r.localAddress])))];
    this.sources = sources;
    this.engine = addon.create({
      routes: options.routes.map((r) => ({
        host: r.endpoint.host,
        port: r.endpoint.port,
        source: r.localAddress === undefined ? -1 : sources.indexOf(r.localAddress),
        ...(r.localAddress === undefined ? {} : { localAddress: r.localAddress }),
      })),
      sources: sources.length,
      dialTimeoutMs: options.dialTimeoutMs,
      keepaliveMs: options.keepaliveMs,
      maxInflight: Number.isFinite(options.maxInflight) ? options.maxInflight : 1e15,
      settleMs: options.settleMs,
      reopenBackoffMs: options.reopenBackoffMs ?? -1,
      lifetimeMs: options.lifetimeMs ?? -1,
      ...(options.send ? { send: options.send } : {}),
      ...(options.expect?.kind === 'bytes' ? { expect: options.expect.bytes } : {}),
      expectTimeoutMs: options.expectTimeoutMs,
      ...(options.message && options.message.length > 0
        ? {
            message: options.message,
            messageRatePerSec: options.messageRatePerSec ?? -1,
            bandwidthBytesPerSec: options.bandwidthBytesPerSec ?? -1,
            ...(options.latencyMarker && options.latencyMarker.length > 0
              ? { latencyMarker: options.latencyMarker }
              : {}),
          }
        : {}),
    });
    this.offsetMs = options.now() - addon.now();
  }

  request(count: number): void {
    if (!this.stopped && count > 0) this.addon.request(this.engine, count);
  }

  cancelQueued(): void {
    if (!this.stopped) this.addon.cancelQueued(this.engine);
  }

  shedNewest(count: number): number {
    return this.stopped ? 0 : this.addon.shedNewest(this.engine, count);
  }

  liveCounts(): Readonly<LiveCounts> {
    return liveOf(this.read(false).live);
  }

  lastOpenAt(): number | null {
    const lastOpen = (this.last ?? this.read(false)).lastOpen;
    return lastOpen < 0 ? null : lastOpen + this.offsetMs;
  }

  observe(): FleetObservation {
    const r = this.read(true);
    const counters = zeroCounters();
    RUN_COUNTERS.forEach((name, i) => {
      counters[name as keyof RunCounters] = r.counters[i] ?? 0;
    });
    const failures: Partial<Record<FailureKind, number>> = {};
    const firstOfKind = new Map<FailureKind, NativeFirst>();
    for (const tally of r.codes ?? []) {
      const kind = this.kindOf(tally.code);
      failures[kind] = (failures[kind] ?? 0) + tally.count;
      const seen = firstOfKind.get(kind);
      if (!seen || tally.seq < seen.seq) firstOfKind.set(kind, tally);
    }
    const evidence: Partial<Record<FailureKind, Evidence>> = {};
    for (const [kind, first] of firstOfKind) evidence[kind] = this.evidenceOf(first);
    const bySource: Record<string, SourceTally> = {};
    (r.sources ?? []).forEach((s, i) => {
      if (s.attempts === 0) return;
      const first = s.first;
      bySource[this.sources[i] as string] = {
        attempts: s.attempts,
        served: s.served,
        failed: s.failed,
        ...(first ? { evidence: { kind: this.kindOf(first.code), ...this.evidenceOf(first) } } : {}),
      };
    });
    return {
      atMs: this.options.now(),
      live: liveOf(r.live),
      ...counters,
      heldDropBurst: r.heldDropBurst,
      failures,
      evidence,
      peakEstablished: r.peak,
      errorMs: Array.from(r.errorMs ?? []),
      sourceAddresses: r.sourceAddress ? [r.sourceAddress] : [],
      latency: cloneLatency(this.latency),
      bySource,
      servedBytes: r.servedBytes ?? null,
      late: r.late
        ? {
            watched: r.late[0] ?? 0,
            answered: r.late[1] ?? 0,
            listening: r.late[2] ?? 0,
            delaysMs: Array.from(r.lateDelaysMs ?? []),
          }
        : { ...noLateAnswers(), listening: 0 },
    };
  }

  /** Closes every connection and stops the engine's loop; its counts stay readable. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.addon.cancelQueued(this.engine);
    this.addon.stop(this.engine);
  }

  /** Reads the engine; its batched latency samples go into this fleet's histograms. */
  private read(observe: boolean): NativeReading {
    const r = this.addon.read(this.engine, observe);
    for (const ms of r.connectMs) recordLatency(this.latency.connect, ms);
    for (const ms of r.firstByteMs) recordLatency(this.latency.firstByte, ms);
    for (const ms of r.markerMs ?? []) recordLatency(this.latency.marker, ms);
    this.last = r;
    return r;
  }

  private kindOf(code: number): FailureKind {
    if (code === NATIVE_CODES.closed) return 'closed';
    if (code === NATIVE_CODES.timeout) return 'timeout';
    if (code === NATIVE_CODES.mismatch || code === NATIVE_CODES.overflow) return 'verify-mismatch';
    if (code === NATIVE_CODES.verifyTimeout) return 'verify-timeout';
    return classifyError({ code: ERRNO_NAMES.get(code) ?? `E${code}` });
  }

  /**
   * The evidence of a first failure: the error as the TypeScript engine words it (`connect
   * ECONNREFUSED`; a dial's own calls failing add the destination: `connect EMFILE 127.0.0.1:80`),
   * and the first bytes received.
   */
  private evidenceOf(first: NativeFirst): Evidence {
    // A reset before the reply came is a mismatch with the reset's words, as the TypeScript engine says it.
    const errno = first.code > 0 ? first.code : first.code === NATIVE_CODES.mismatch ? (first.cause ?? 0) : 0;
    const name = errno > 0 ? (ERRNO_NAMES.get(errno) ?? `E${errno}`) : null;
    const route = this.options.routes[first.route];
    const where = first.syscall === 2 && route ? ` ${route.endpoint.host}:${route.endpoint.port}` : '';
    const message =
      first.code === NATIVE_CODES.overflow
        ? `no whole reply within ${EXPECT_BUFFER_BYTES} bytes`
        : name
          ? `${first.syscall === 1 ? 'read' : 'connect'} ${name}${where}`
          : null;
    return {
      ...(message ? { message } : {}),
      ...(first.bytes.length > 0 ? { bytes: first.bytes } : {}),
    };
  }
}

function liveOf(live: Float64Array): LiveCounts {
  return {
    queued: live[0] ?? 0,
    dialing: live[1] ?? 0,
    unverified: live[2] ?? 0,
    settling: live[3] ?? 0,
    held: live[4] ?? 0,
  };
}
