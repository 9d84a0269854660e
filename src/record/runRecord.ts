import type { EngineChoice, EngineName } from '../fleet/engineChoice.js';
import type { ProbeConfig } from '../config/probeConfig.js';
import { diagnoseResult, type Diagnosis } from '../probe/diagnose.js';
import type { ProberEnvironment } from '../probe/environment.js';
import type { Preflight } from '../probe/preflight.js';
import type { FixedResult, RampResult } from '../probe/result.js';
import { redactUrl } from '../protocols/urlTarget.js';
import { latencyDistributions } from '../probe/latencyDistributions.js';

/** The version of the run record's shape; see src/record/runRecord.schema.json. */
export const SCHEMA_VERSION = 2;

/** The effective configuration of a run, as plain JSON (durations in ms, no bound as null). */
export interface RecordConfig {
  readonly mode: 'fixed' | 'ramp';
  readonly connections: number | null;
  readonly sleepMs: number | null;
  readonly dialTimeoutMs: number;
  readonly intervalMs: number;
  readonly maxInflight: number | null;
  readonly keepaliveMs: number;
  readonly reopen: boolean;
  /** Newer field: false with --no-adapt (the ramp keeps its pace when the target serves slower). */
  readonly adapt?: boolean;
  /** Newer field: false when --no-lean-sockets put every connection on net.Socket. */
  readonly leanSockets?: boolean;
  readonly send: string | null;
  readonly expect: string | null;
  readonly expectTimeoutMs: number;
  readonly settleMs: number;
  readonly ramp: {
    readonly ratePerSec: number;
    readonly roundMs: number;
    readonly from: number;
    readonly maxDurationMs: number;
    readonly maxConnections: number | null;
    readonly errorThreshold: string;
    /** --hold, when given. */
    readonly holdMs?: number;
  } | null;
  readonly minConcurrency: number | null;
  readonly findMax: boolean;
  readonly refine?: boolean;
  /** Since schema 2: --heartbeat and --slo (null when not given). */
  readonly heartbeat?: { readonly everyMs: number; readonly send: string; readonly expect: string } | null;
  readonly slo?: readonly string[] | null;
  /** Since 0.2: the run's shards, sources and destinations, and churn. */
  readonly workers?: number;
  /** The connection engine that ran (native: C on epoll; js: the TypeScript fleet), and why. */
  readonly engine?: { readonly name: EngineName; readonly why: string };
  readonly sourceAddresses?: readonly string[];
  readonly destinations?: readonly string[];
  readonly channelLifetimeMs?: number | null;
  readonly durationMs?: number | null;
  /** Newer field: what connections send and speak. */
  readonly traffic?: {
    readonly transport: 'tcp' | 'tls' | 'websocket' | 'websocket-tls';
    readonly message: string | null;
    readonly messageRatePerSec: number | null;
    readonly bandwidthBytesPerSec: number | null;
    readonly connectRatePerSec: number | null;
    readonly latencyMarker: string | null;
    readonly latencyPercentiles: readonly number[];
  };
}

/** One run, versioned: what was asked, where, what was measured and concluded (`--json`). */
export interface RunRecord {
  /** 2 since --slo and --heartbeat; records of schema 1 still load and render. */
  readonly schemaVersion: 1 | typeof SCHEMA_VERSION;
  readonly tool: { readonly name: 'goon-probe'; readonly version: string };
  readonly command: { readonly argv: readonly string[]; readonly line: string };
  /** ISO 8601 UTC. */
  readonly startedAt: string;
  readonly endedAt: string;
  readonly target: { readonly given: string; readonly resolved: string };
  readonly config: RecordConfig;
  readonly environment: ProberEnvironment;
  readonly result: RampResult | FixedResult;
  /** Which side's limit it is and why (derived from the result; `report` derives it again). */
  readonly diagnosis?: Diagnosis;
  /** The prober's own capacity for this run, checked before dialing. */
  readonly preflight?: Preflight;
  /** A segment of a run split over hosts (--segment), or a merge of all of them. */
  readonly segment?: RecordSegment;
}

/** A segment's place in a split run, as its record states it; a merged record lists every segment. */
export interface RecordSegment {
  readonly runId: string;
  readonly index?: number;
  readonly count: number;
  /** ISO 8601 UTC: when round 1 started on every host. */
  readonly startAt?: string;
  readonly host?: string;
  readonly joinedAtRound?: number;
  readonly holdingFromRound?: number | null;
  /** In a merged record: each segment, the host it ran on and how it ended. */
  readonly segments?: readonly {
    readonly index: number;
    readonly host: string;
    readonly verdict?: string;
    readonly stopReason?: string;
    readonly maximum?: number;
    readonly joinedAtRound?: number;
  }[];
}

/** What a record is built from: everything the CLI knows at the end of a run. */
export interface RecordInputs {
  readonly version: string;
  readonly argv: readonly string[];
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly config: ProbeConfig;
  readonly environment: ProberEnvironment;
  readonly result: RampResult | FixedResult;
  readonly preflight?: Preflight;
  /** How the run was spread: shards, bound sources, destinations. */
  readonly way?: RunWay;
  /** The host name, for a segment's record. */
  readonly host?: string;
}

/** How a run was spread over processes and addresses, for the record. */
export interface RunWay {
  readonly workers: number;
  /** The connection engine that ran, and why (absent in records of older versions). */
  readonly engine?: EngineChoice;
  readonly sourceAddresses: readonly string[];
  readonly destinations: readonly string[];
}

/** Returns the run record of a finished (or interrupted) run. */
export function buildRunRecord(inputs: RecordInputs): RunRecord {
  const { config } = inputs;
  // The latency histograms go into the record encoded, as distributions that add up across records.
  const { latencyWindow, ...measured } = inputs.result;
  const result = (latencyWindow ? { ...measured, distributions: latencyDistributions(latencyWindow) } : measured) as
    | RampResult
    | FixedResult;
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'goon-probe', version: inputs.version },
    // A URL's password is never written: redis://:secret@host becomes redis://:***@host.
    command: { argv: inputs.argv.map(redactUrl), line: commandLine(inputs.argv.map(redactUrl)) },
    startedAt: inputs.startedAt.toISOString(),
    endedAt: inputs.endedAt.toISOString(),
    target: { given: config.target.display, resolved: result.dialed },
    config: recordConfig(config, inputs.way),
    environment: { ...inputs.environment, sourceAddresses: [...result.sourceAddresses] },
    result,
    diagnosis: diagnoseResult(result),
    ...(inputs.preflight ? { preflight: inputs.preflight } : {}),
    ...segmentOf(inputs),
  };
}

/** Returns the record's `segment` block for a run with --segment, or nothing. */
function segmentOf({ config, result, host }: RecordInputs): { segment?: RecordSegment } {
  if (result.mode !== 'ramp' || !result.segment || config.runId === undefined) return {};
  return {
    segment: {
      runId: config.runId,
      index: result.segment.index,
      count: result.segment.count,
      ...(config.startAtMs === undefined ? {} : { startAt: new Date(config.startAtMs).toISOString() }),
      host: host ?? 'unknown',
      joinedAtRound: result.segment.joinedAtRound,
      holdingFromRound: result.segment.holdingFromRound,
    },
  };
}

/** Returns the effective configuration as plain JSON. */
export function recordConfig(config: ProbeConfig, way?: RunWay): RecordConfig {
  const fixed = config.mode === 'fixed';
  return {
    ...(way ? { workers: way.workers, sourceAddresses: way.sourceAddresses, destinations: way.destinations } : {}),
    ...(way?.engine ? { engine: { name: way.engine.engine, why: way.engine.why } } : {}),
    channelLifetimeMs: config.lifetimeMs ?? null,
    durationMs: config.durationMs ?? null,
    traffic: {
      transport:
        config.transport.kind === 'websocket'
          ? config.transport.tls
            ? 'websocket-tls'
            : 'websocket'
          : config.transport.kind,
      message: config.message ? config.message.toString('latin1') : null,
      messageRatePerSec: config.messageRatePerSec ?? null,
      bandwidthBytesPerSec: config.bandwidthBytesPerSec ?? null,
      connectRatePerSec: config.connectRatePerSec ?? null,
      latencyMarker: config.latencyMarker ? config.latencyMarker.toString('latin1') : null,
      latencyPercentiles: [...config.latencyPercentiles],
    },
    mode: config.mode,
    connections: fixed ? config.connections : null,
    sleepMs: fixed ? config.sleepMs : null,
    dialTimeoutMs: config.dialTimeoutMs,
    intervalMs: config.intervalMs,
    maxInflight: Number.isFinite(config.maxInflight) ? config.maxInflight : null,
    keepaliveMs: config.keepaliveMs,
    reopen: config.reopen,
    adapt: config.adapt,
    leanSockets: config.leanSockets,
    // A URL target's bytes are the protocol's, and may carry its credentials: not written.
    send: config.send && !config.protocol ? config.send.toString('latin1') : null,
    expect: config.expect?.source ?? null,
    expectTimeoutMs: config.expectTimeoutMs,
    settleMs: config.settleMs,
    ramp: config.ramp
      ? {
          ratePerSec: config.ramp.ratePerSec,
          roundMs: config.ramp.roundMs,
          from: config.ramp.from,
          maxDurationMs: config.ramp.maxDurationMs,
          maxConnections: config.ramp.maxConnections ?? null,
          errorThreshold: config.thresholdText,
          ...(config.ramp.holdMs !== undefined ? { holdMs: config.ramp.holdMs } : {}),
        }
      : null,
    minConcurrency: config.minConcurrency ?? null,
    findMax: config.findMax ?? false,
    refine: config.refine ?? false,
    heartbeat: config.heartbeat
      ? {
          everyMs: config.heartbeat.everyMs,
          send: config.protocol ? '' : config.heartbeat.bytes.toString('latin1'),
          expect: config.heartbeat.expect.source,
        }
      : null,
    slo: config.objectives ? config.objectives.map((o) => o.text) : null,
  };
}

/** Returns argv as one shell command line that reproduces the run: `goon-probe host:port --send 'a b'`. */
export function commandLine(argv: readonly string[]): string {
  return ['goon-probe', ...argv].map(shellQuote).join(' ');
}

function shellQuote(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
