import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { fileURLToPath } from 'node:url';

/** The native engine's first occurrence of an error code, or of a failure from one source address. */
export interface NativeFirst {
  /**
   * errno, or 0 for a clean close by the peer, -1 for a dial that timed out, -2 for a connection
   * closed (or reset) before --expect's reply came, -3 for a reply that did not come in time, -4 for
   * one that did not fit in the bytes kept (NATIVE_CODES).
   */
  readonly code: number;
  /** The errno behind a -2 (a reset before the reply), or 0. */
  readonly cause?: number;
  /** 0: the handshake (connect), 1: a read, 2: the dial's own calls (socket, bind, connect). */
  readonly syscall: number;
  readonly route: number;
  readonly seq: number;
  /** The first bytes the connection had received, as latin1. */
  readonly bytes: string;
}

/** One reading of the native engine (engine.c `read`). */
export interface NativeReading {
  readonly live: Float64Array;
  readonly counters: Float64Array;
  readonly peak: number;
  /** On the engine's clock; -1 before any. */
  readonly lastOpen: number;
  readonly heldDropBurst: number;
  readonly connectMs: Float64Array;
  readonly firstByteMs: Float64Array;
  /** From each --message copy sent to its --latency-marker in the reply. */
  readonly markerMs?: Float64Array;
  /** With `observe` only: */
  readonly errorMs?: Float64Array;
  readonly codes?: ReadonlyArray<NativeFirst & { readonly count: number }>;
  readonly sources?: ReadonlyArray<{ attempts: number; served: number; failed: number; first?: NativeFirst }>;
  readonly sourceAddress?: string;
  readonly servedBytes?: string;
  /** Timed-out connections kept listening for a late answer: watched, answered, still listening. */
  readonly late?: Float64Array;
  /** Delays of the late answers (the first LATE_DELAYS_KEPT of the run). */
  readonly lateDelaysMs?: Float64Array;
}

/** The engine's pseudo error codes (engine.c CODE_*). */
export const NATIVE_CODES = { closed: 0, timeout: -1, mismatch: -2, verifyTimeout: -3, overflow: -4 } as const;

/** What the engine is made with: numeric routes, and the fleet's timing. */
export interface NativeOptions {
  readonly routes: ReadonlyArray<{ host: string; port: number; source: number; localAddress?: string }>;
  readonly sources: number;
  readonly dialTimeoutMs: number;
  readonly keepaliveMs: number;
  readonly maxInflight: number;
  readonly settleMs: number;
  /** -1: no reopen. */
  readonly reopenBackoffMs: number;
  /** -1: no churn. */
  readonly lifetimeMs: number;
  /** --send's bytes, written once a connection opens. */
  readonly send?: Buffer;
  /** --expect's literal bytes: a connection is served once they come back. */
  readonly expect?: Buffer;
  readonly expectTimeoutMs: number;
  /** --message, written at --message-rate and --channel-bandwidth (-1: no limit), and its --latency-marker. */
  readonly message?: Buffer;
  readonly messageRatePerSec?: number;
  readonly bandwidthBytesPerSec?: number;
  readonly latencyMarker?: Buffer;
}

declare const engineBrand: unique symbol;
/** An engine instance: opaque, owned by the addon. */
export type EngineHandle = { readonly [engineBrand]: true };

/** The addon's functions (native/engine.c). */
export interface NativeAddon {
  create(options: NativeOptions): EngineHandle;
  request(engine: EngineHandle, count: number): void;
  cancelQueued(engine: EngineHandle): void;
  shedNewest(engine: EngineHandle, count: number): number;
  stop(engine: EngineHandle): void;
  read(engine: EngineHandle, observe: boolean): NativeReading;
  now(): number;
  /** The oldest open connection's keepalive as the kernel has it: [on, idle s, interval s, probes]; null with none open. */
  keepaliveOf(engine: EngineHandle): [number, number, number, number] | null;
}

/** The addon, and where it came from; or why there is none. */
export type NativeLoad =
  | { readonly ok: true; readonly addon: NativeAddon; readonly from: 'prebuild' | 'local build' }
  | { readonly ok: false; readonly why: string };

/** The built addon's file name. */
const ADDON = 'goon-probe-engine.node';

/**
 * Returns the addon's candidate files, best first: the build of this checkout (npm install,
 * `npm run build:native`), then the prebuild shipped in the package for this platform.
 */
export function addonCandidates(
  root: string,
  os = platform(),
  cpu = arch(),
): Array<{ path: string; from: 'prebuild' | 'local build' }> {
  return [
    { path: `${root}build/native/${ADDON}`, from: 'local build' },
    { path: `${root}prebuilds/${os}-${cpu}/${ADDON}`, from: 'prebuild' },
  ];
}

/**
 * Loads the native engine once per call site (the caller keeps it): the local build or the
 * prebuild for this platform. Never throws: a missing or unloadable addon is a reason, and the
 * TypeScript engine runs instead.
 */
export function loadNativeEngine(root = fileURLToPath(new URL('../../', import.meta.url))): NativeLoad {
  if (platform() !== 'linux')
    return { ok: false, why: `the native engine is built for Linux only (this is ${platform()})` };
  const require = createRequire(import.meta.url);
  const tried: string[] = [];
  for (const candidate of addonCandidates(root)) {
    if (!existsSync(candidate.path)) continue;
    try {
      const addon = require(candidate.path) as NativeAddon;
      if (typeof addon.create === 'function') return { ok: true, addon, from: candidate.from };
      tried.push(`${candidate.path} is not the engine`);
    } catch (err) {
      tried.push(`${candidate.path} did not load (${(err as Error).message.split('\n')[0]})`);
    }
  }
  return {
    ok: false,
    why:
      tried.length > 0
        ? tried.join('; ')
        : `no native engine is built for ${platform()}-${arch()} (no C compiler at install, and no prebuild)`,
  };
}
