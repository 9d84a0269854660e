import { X509Certificate } from 'node:crypto';
import { resolve as resolvePath } from 'node:path';
import type { RampPlan } from './rampPlan.js';
import { defaultRunId, parseSegment, parseStartAt } from './segmentPlan.js';
import { ENGINE_REQUESTS, nativeGap, type EngineRequest } from '../fleet/engineChoice.js';
import { parseExpect, type ExpectMatcher } from '../fleet/expectMatcher.js';
import type { CredentialEnv } from '../protocols/urlTarget.js';
import { hasUrlTargets, planProtocol } from './protocolPlan.js';
import type { Heartbeat } from '../fleet/heartbeats.js';
import { parseObjectives, type Objective } from './objectives.js';
import type { TrafficOptions } from '../fleet/trafficOptions.js';
import type { Transport } from '../net/dialer.js';
import { parseSourceSpec, type SourceSpec } from '../net/sourceAddresses.js';
import { describeTargets, parseTargets, type TargetSpec } from '../net/target.js';
import {
  decodeEscapes,
  parseBandwidth,
  parseCount,
  parseDuration,
  parsePort,
  parseRate,
  parseThreshold,
  type Threshold,
  formatDuration,
} from '../units.js';
import { UsageError } from '../usageError.js';
import { DEFAULT_PERCENTILES, DEFAULTS, STATSD_DEFAULTS } from './defaults.js';

/** Where a run connects: its destinations, their protocol and transport, shards and source addresses. */
export interface TargetPart {
  /** Every destination, in the order given; connections go to them round-robin. */
  readonly targets: readonly TargetSpec[];
  /** The first destination, with `display` naming them all, for reports. */
  readonly target: TargetSpec;
  /** The protocol of URL targets (`redis://…`) by name (`Redis`); absent for host:port. */
  readonly protocol?: string | undefined;
  /** TCP, TLS (--tls) or WebSocket (--websocket): always set in a config. */
  readonly transport: Transport;
  /** Shard processes: a count (1 runs in this process) or `auto` (enough for the fd limit and the cores). */
  readonly workers: number | 'auto';
  /** `--source-ip`: addresses to dial from, or auto; absent, the kernel picks one. */
  readonly sources?: SourceSpec | undefined;
  /** -l/--listen-port: run the built-in server on 127.0.0.1 at this port (0 for any) and probe it. */
  readonly listenPort?: number | undefined;
}

/** How connections are dialed and kept open. */
export interface DialPart {
  readonly dialTimeoutMs: number;
  readonly maxInflight: number;
  readonly keepaliveMs: number;
  /** Reopen connections the target closes (false: --no-reopen). */
  readonly reopen: boolean;
  /** Plain TCP connections that send nothing run on bare TCP handles (false: --no-lean-sockets). */
  readonly leanSockets: boolean;
  /** `--channel-lifetime`: close and replace every connection this long after it opened. */
  readonly lifetimeMs?: number | undefined;
  /** `--engine`: the C engine, the TypeScript fleet, or auto (native where it covers the run). */
  readonly engine: EngineRequest;
}

/** What counts as served: the reply to wait for, how long, and how long a served connection must stay open. */
export interface VerifyPart {
  readonly expect?: ExpectMatcher | undefined;
  readonly expectTimeoutMs: number;
  readonly settleMs: number;
}

/** What a run says, and where it writes it. */
export interface OutputPart {
  readonly intervalMs: number;
  /** Only the result line. */
  readonly quiet: boolean;
  readonly debug: boolean;
  /** Do not ask before leaving loopback (-y). */
  readonly assumeYes: boolean;
  /** Where the run record (JSON) and the Markdown report go: a path, `-` for stdout, or none. */
  readonly jsonPath?: string | undefined;
  readonly markdownPath?: string | undefined;
  /** --html: the self-contained HTML report's file, or - for stdout. */
  readonly htmlPath?: string | undefined;
  /** --latency-percentiles, ascending. */
  readonly latencyPercentiles: readonly number[];
  /** --statsd: where metrics go every interval. */
  readonly statsd?: StatsdTarget | undefined;
  /** --metrics-port: a Prometheus text endpoint on 127.0.0.1 (0 for any free port). */
  readonly metricsPort?: number | undefined;
}

/** What both modes share: the parts, the traffic (tcpkali's flags), and the error threshold as given. */
interface CommonConfig extends TargetPart, DialPart, VerifyPart, OutputPart, TrafficOptions {
  readonly transport: Transport;
  readonly thresholdText: string;
}

/** Fixed mode (tcpgoon): open N connections, one every --sleep, and hold them. */
export interface FixedConfig extends CommonConfig {
  readonly mode: 'fixed';
  /** Connections to open. */
  readonly connections: number;
  /** Pause between dials. */
  readonly sleepMs: number;
  /** `-T/--duration`: keep the connections open (and churning) this long from the start. */
  readonly durationMs?: number | undefined;
  // The ramp's settings do not exist in fixed mode.
  readonly ramp?: undefined;
  readonly adapt?: undefined;
  readonly minConcurrency?: undefined;
  readonly findMax?: undefined;
  readonly refine?: undefined;
  readonly heartbeat?: undefined;
  readonly objectives?: undefined;
  readonly startAtMs?: undefined;
  readonly runId?: undefined;
}

/** Ramp mode: the capacity probe. */
export interface RampConfig extends CommonConfig {
  readonly mode: 'ramp';
  readonly ramp: RampPlan;
  /**
   * Slow down to the target's pace when it serves new connections slower than the ramp asks
   * (false: --no-adapt, and an outpaced round ends the run `rate-limited`).
   */
  readonly adapt: boolean;
  /** The CI gate, and whether the run goes on past it to the real maximum. */
  readonly minConcurrency?: number | undefined;
  readonly findMax: boolean;
  /** Confirm a found limit with a second, slower pass. */
  readonly refine: boolean;
  /** --heartbeat: what held connections send again and again to show they are still served. */
  readonly heartbeat?: Heartbeat | undefined;
  /** --slo: latency objectives every round must meet; the maximum is the most held while they are. */
  readonly objectives?: readonly Objective[] | undefined;
  /** `--start-at`: when round 0 starts, in ms since the epoch (the same on every host). */
  readonly startAtMs?: number | undefined;
  /** `--run-id`, or with `--segment` one derived from the plan and the start: what merge groups by. */
  readonly runId?: string | undefined;
  // Fixed mode's settings do not exist in ramp mode.
  readonly connections?: undefined;
  readonly sleepMs?: undefined;
  readonly durationMs?: undefined;
}

/** A validated probe run: fixed mode (tcpgoon) or ramp mode, told apart by `mode`. */
export type ProbeConfig = FixedConfig | RampConfig;

/** Returns a config known to be ramp mode (from options with --ramp); a fixed one is a UsageError. */
export function rampConfig(config: ProbeConfig): RampConfig {
  if (config.mode !== 'ramp') throw new UsageError('this needs ramp mode; add --ramp RATE (like --ramp 100/s)');
  return config;
}

/** Returns a config known to be fixed mode (from options without --ramp); a ramp one is a UsageError. */
export function fixedConfig(config: ProbeConfig): FixedConfig {
  if (config.mode !== 'fixed') throw new UsageError('this needs fixed mode; drop --ramp and give -c N');
  return config;
}

/** A StatsD daemon to send metrics to, over UDP. */
export interface StatsdTarget {
  readonly host: string;
  readonly port: number;
  readonly namespace: string;
}

/** Raw option values as strings (or booleans for switches), keyed by the long flag name in camelCase. */
export type RawOptions = Readonly<Record<string, string | boolean | undefined>>;

/** Reads a file named by a flag; injected so that config stays free of I/O. */
export type ReadFile = (path: string) => Buffer;

const RAMP_ONLY = [
  'round',
  'from',
  'maxDuration',
  'maxConnections',
  'hold',
  'errorThreshold',
  'minConcurrency',
  'findMax',
  'refine',
  'segment',
  'startAt',
  'runId',
  'heartbeat',
  'heartbeatSend',
  'heartbeatExpect',
  'slo',
] as const;

/** Returns the validated config of a probe run, or throws a UsageError naming the problem and the fix. */
export function buildProbeConfig(
  raw: RawOptions,
  positionals: readonly string[],
  readFile: ReadFile,
  /** The wall clock, for `--start-at +30s`. */
  nowMs: number = Date.now(),
  /** Credentials for URL targets without their own (PGUSER, PGPASSWORD, REDISCLI_AUTH, …). */
  env: CredentialEnv = {},
): ProbeConfig {
  const text = (name: string): string | undefined => {
    const value = raw[name];
    if (value === true || value === false)
      throw new UsageError(`--${kebab(name)} needs a value; see goon-probe --help`);
    return value;
  };
  const urlPlan = hasUrlTargets(positionals) ? planProtocol(positionals, raw, env) : undefined;
  if (!urlPlan && raw.httpStatus !== undefined)
    throw new UsageError(
      '--http-status applies to http:// and https:// targets; give the target as a URL, like http://127.0.0.1:8080/',
    );
  const targets = urlPlan ? [...urlPlan.targets] : parseTargets(positionals);
  const target = { ...(targets[0] as TargetSpec), display: urlPlan ? urlPlan.display : describeTargets(positionals) };
  const rampText = text('ramp');
  const mode = rampText === undefined ? 'fixed' : 'ramp';
  if (mode === 'ramp' && text('connections') !== undefined) {
    throw new UsageError(
      '-c/--connections sets fixed mode and cannot be combined with --ramp; use --max-connections to cap a ramp',
    );
  }
  if (mode === 'fixed') {
    const stray = RAMP_ONLY.find((name) => raw[name] !== undefined);
    if (stray) throw new UsageError(`--${kebab(stray)} applies to ramp mode only; add --ramp RATE (like --ramp 100/s)`);
  }
  const duration = (name: string, fallback: number, bare: 'ms' | 's', min = 0): number => {
    const value = text(name);
    if (value === undefined) return fallback;
    const ms = parseDuration(value, flagName(name), bare);
    if (ms < min)
      throw new UsageError(`${flagName(name)} ${JSON.stringify(value)} is too short; use at least ${min}ms`);
    return ms;
  };
  const count = (name: string, min = 1): number | undefined => {
    const value = text(name);
    return value === undefined ? undefined : parseCount(value, flagName(name), min);
  };
  // In ramp mode, tcpkali's -T/--duration means --max-duration.
  const rampDuration = (): number => {
    if (raw.duration !== undefined && raw.maxDuration !== undefined)
      throw new UsageError('-T/--duration and --max-duration both given; in ramp mode they mean the same, use one');
    return raw.duration !== undefined
      ? duration('duration', DEFAULTS.maxDurationMs, 's', 1)
      : duration('maxDuration', DEFAULTS.maxDurationMs, 's', 1);
  };
  const minConcurrency = count('minConcurrency');
  const findMax = raw.findMax === true;
  if (findMax && minConcurrency === undefined) {
    throw new UsageError(
      '--find-max goes on past a --min-concurrency gate, which is not given; add --min-concurrency N, or drop --find-max (a ramp without a gate already finds the maximum)',
    );
  }
  const thresholdText = text('errorThreshold') ?? DEFAULTS.threshold;
  const threshold: Threshold = parseThreshold(thresholdText, '--error-threshold');
  const ramp: RampPlan | undefined =
    rampText === undefined
      ? undefined
      : {
          ratePerSec: parseRate(rampText, '--ramp'),
          roundMs: duration('round', DEFAULTS.roundMs, 's', 10),
          from: count('from', 0) ?? 0,
          maxDurationMs: rampDuration(),
          maxConnections: count('maxConnections'),
          threshold,
          stopAtGate: findMax ? undefined : minConcurrency,
          segment: raw.segment === undefined ? undefined : parseSegment(text('segment') as string),
          holdMs: raw.hold === undefined ? undefined : duration('hold', 0, 's', 1),
        };
  if (ramp?.holdMs !== undefined && ramp.maxConnections === undefined)
    throw new UsageError('--hold holds the ramp at --max-connections, which is not given; add --max-connections N');
  if (ramp?.holdMs !== undefined && ramp.segment)
    throw new UsageError(
      '--hold cannot be split into segments (a segment already holds until the plan ends); drop --hold, or --segment',
    );
  const startAtMs = raw.startAt === undefined ? undefined : parseStartAt(text('startAt') as string, nowMs);
  if (ramp?.segment && startAtMs === undefined) {
    throw new UsageError(
      '--segment needs --start-at, so that round k is the same moment on every host; add --start-at with one RFC 3339 UTC time for all segments',
    );
  }
  if (ramp && ramp.maxDurationMs < ramp.roundMs)
    throw new UsageError(
      `--max-duration ${formatDuration(ramp.maxDurationMs)} is shorter than one --round of ${formatDuration(ramp.roundMs)}; give a longer --max-duration or a shorter --round`,
    );
  if (ramp?.segment) {
    // The whole plan's most connections: a segment whose share of it is 0 would never dial.
    const reach = Math.min(
      ramp.from + Math.floor((ramp.ratePerSec * ramp.maxDurationMs) / 1000),
      ramp.maxConnections ?? Number.POSITIVE_INFINITY,
    );
    if (reach < ramp.segment.count)
      throw new UsageError(
        `--segment ${ramp.segment.index}/${ramp.segment.count} splits a plan of at most ${reach} connections ${ramp.segment.count} ways, so some segments would never dial; use at most ${Math.max(1, reach)} segments, or a faster or longer ramp`,
      );
  }
  if (ramp?.segment && raw.refine === true)
    throw new UsageError('--refine cannot be split into segments; drop --refine, or --segment');
  const runIdText = text('runId');
  if (runIdText !== undefined && !/^[\w.-]{1,64}$/.test(runIdText))
    throw new UsageError(
      `--run-id ${JSON.stringify(runIdText.length > 70 ? `${runIdText.slice(0, 64)}…` : runIdText)} is not an id; use up to 64 letters, digits, . _ or -`,
    );
  if (ramp && ramp.maxConnections !== undefined && ramp.from > ramp.maxConnections) {
    throw new UsageError(`--from ${ramp.from} is above --max-connections ${ramp.maxConnections}; lower --from`);
  }
  if (
    ramp &&
    ramp.maxConnections !== undefined &&
    minConcurrency !== undefined &&
    minConcurrency > ramp.maxConnections
  ) {
    throw new UsageError(
      `--min-concurrency ${minConcurrency} is above --max-connections ${ramp.maxConnections}, so the gate can never pass; raise --max-connections`,
    );
  }
  const jsonPath = text('json');
  const markdownPath = text('markdown');
  const htmlPath = text('html');
  checkDistinctOutputs([
    ['--json', jsonPath],
    ['--markdown', markdownPath],
    ['--html', htmlPath],
  ]);
  const firstMessage = urlPlan
    ? urlPlan.send
    : oneOf(raw, ['send', 'sendFile', 'firstMessage', 'firstMessageFile'], readFile);
  const message = oneOf(raw, ['message', 'messageFile'], readFile);
  if (message?.length === 0)
    throw new UsageError('--message is empty; give the bytes every connection sends repeatedly');
  for (const needs of ['messageRate', 'channelBandwidth', 'latencyMarker'] as const) {
    if (raw[needs] !== undefined && !message)
      throw new UsageError(
        `${flagName(needs)} paces or times --message, which is not given; add --message STR (or --message-file F)`,
      );
  }
  const connectRateText = text('connectRate');
  if (connectRateText !== undefined && raw.sleep !== undefined)
    throw new UsageError('-s/--sleep and --connect-rate both pace the dials; use one of them');
  const markerText = text('latencyMarker');
  if (markerText === '')
    throw new UsageError('--latency-marker is empty; give the bytes a reply to --message contains');
  const expectText = text('expect');
  const expect = urlPlan ? urlPlan.expect : expectText === undefined ? undefined : parseExpectFlag(expectText);
  const heartbeat = urlPlan
    ? parseHeartbeat(raw, text, urlPlan.heartbeat?.bytes, urlPlan.heartbeat?.expect)
    : parseHeartbeat(raw, text, firstMessage, expect);
  const sloText = text('slo');
  if (sloText !== undefined && ramp?.segment)
    throw new UsageError(
      '--slo cannot be split into segments yet (its search needs every connection in one run); run it from one host, with --workers for more connections',
    );
  const objectives =
    sloText === undefined
      ? undefined
      : parseObjectives(sloText, {
          heartbeat: heartbeat !== undefined,
          marker: message !== undefined && markerText !== undefined,
          talks: firstMessage !== undefined || expect !== undefined || message !== undefined,
        });
  const workersText = text('workers');
  const lifetimeText = text('channelLifetime');
  const sourceText = text('sourceIp');
  const common: Omit<FixedConfig, 'mode' | 'connections' | 'sleepMs' | 'durationMs'> = {
    targets,
    target,
    protocol: urlPlan?.protocol.name,
    workers: workersText === undefined ? 1 : workersText.trim() === 'auto' ? 'auto' : parseWorkers(workersText),
    engine: parseEngine(text('engine')),
    sources: sourceText === undefined ? undefined : parseSourceSpec(sourceText),
    lifetimeMs: lifetimeText === undefined ? undefined : duration('channelLifetime', 0, 's'),
    dialTimeoutMs: duration('dialTimeout', DEFAULTS.dialTimeoutMs, 's', 1),
    intervalMs: duration('interval', DEFAULTS.intervalMs, 's', 10),
    assumeYes: raw.assumeYes === true,
    debug: raw.debug === true,
    thresholdText,
    maxInflight: count('maxInflight') ?? (mode === 'ramp' ? DEFAULTS.rampMaxInflight : Number.POSITIVE_INFINITY),
    keepaliveMs: duration('keepalive', DEFAULTS.keepaliveMs, 's'),
    reopen: raw.reopen !== false,
    leanSockets: raw.leanSockets !== false,
    send: firstMessage,
    message,
    messageRatePerSec:
      raw.messageRate === undefined
        ? undefined
        : parseRate(text('messageRate') as string, '--message-rate', 'messages'),
    bandwidthBytesPerSec:
      raw.channelBandwidth === undefined
        ? undefined
        : parseBandwidth(text('channelBandwidth') as string, '--channel-bandwidth'),
    latencyMarker: markerText === undefined ? undefined : decodeEscapes(markerText, '--latency-marker'),
    connectRatePerSec: connectRateText === undefined ? undefined : parseRate(connectRateText, '--connect-rate'),
    latencyPercentiles:
      raw.latencyPercentiles === undefined
        ? DEFAULT_PERCENTILES
        : parsePercentiles(text('latencyPercentiles') as string),
    transport: parseTransport(raw, targets, readFile, urlPlan?.tls === true),
    statsd: parseStatsd(raw),
    metricsPort:
      raw.metricsPort === undefined ? undefined : parsePort(text('metricsPort') as string, '--metrics-port', true),
    listenPort:
      raw.listenPort === undefined ? undefined : parsePort(text('listenPort') as string, '-l/--listen-port', true),
    expect,
    expectTimeoutMs: duration('expectTimeout', DEFAULTS.expectTimeoutMs, 's', 1),
    settleMs: duration('settle', DEFAULTS.settleMs, 's'),
    jsonPath: nonEmpty(jsonPath, '--json'),
    markdownPath: nonEmpty(markdownPath, '--markdown'),
    htmlPath: nonEmpty(htmlPath, '--html'),
    quiet: raw.quiet === true,
  };
  const gap =
    common.engine === 'native' ? (nativeGap(common) ?? (raw.heartbeat !== undefined ? '--heartbeat' : null)) : null;
  if (gap !== null)
    throw new UsageError(
      `--engine native covers plain TCP with --send, a literal --expect and --message; ${gap} needs the TypeScript engine: drop --engine native (auto picks it), or ${gap}`,
    );
  // No ramp plan is fixed mode (tcpgoon's); the parts above are both modes'.
  if (ramp === undefined)
    return {
      ...common,
      mode: 'fixed',
      durationMs: raw.duration !== undefined ? duration('duration', 0, 's', 1) : undefined,
      connections: count('connections') ?? DEFAULTS.connections,
      // With --connect-rate the fleet paces the dials; fixed mode asks for all N at once.
      sleepMs: connectRateText === undefined ? duration('sleep', DEFAULTS.sleepMs, 'ms') : 0,
    };
  return {
    ...common,
    mode: 'ramp',
    ramp,
    adapt: raw.adapt !== false,
    heartbeat,
    objectives,
    minConcurrency,
    findMax,
    refine: raw.refine === true,
    startAtMs,
    runId:
      runIdText ??
      (ramp?.segment && startAtMs !== undefined
        ? defaultRunId(
            { targets: target.display, ramp: { ...ramp, segment: { count: ramp.segment.count } }, thresholdText },
            startAtMs,
          )
        : undefined),
  };
}

/** The most shard processes one run starts. */
export const MAX_WORKERS = 64;

function parseWorkers(text: string): number {
  const n = Number(text.trim());
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS) {
    throw new UsageError(
      `--workers ${JSON.stringify(text)} is not a shard count; use a whole number from 1 to ${MAX_WORKERS}, or auto`,
    );
  }
  return n;
}

function nonEmpty(path: string | undefined, flag: string): string | undefined {
  if (path === '') throw new UsageError(`${flag} needs a file name, or - for stdout`);
  return path;
}

/**
 * Returns --heartbeat's plan: every TIME, the --heartbeat-send bytes (or --send's) and the
 * --heartbeat-expect reply (or --expect's); undefined without --heartbeat.
 */
function parseHeartbeat(
  raw: RawOptions,
  text: (name: string) => string | undefined,
  send: Buffer | undefined,
  expect: ExpectMatcher | undefined,
): Heartbeat | undefined {
  const everyText = text('heartbeat');
  if (everyText === undefined) {
    const stray = (['heartbeatSend', 'heartbeatExpect'] as const).find((name) => raw[name] !== undefined);
    if (stray)
      throw new UsageError(
        `${flagName(stray)} needs --heartbeat TIME, which is not given; add it (like --heartbeat 1s)`,
      );
    return undefined;
  }
  const everyMs = parseDuration(everyText, '--heartbeat', 'ms');
  if (everyMs < 10) throw new UsageError(`--heartbeat ${JSON.stringify(everyText)} is too short; use at least 10ms`);
  const sendText = text('heartbeatSend');
  const bytes = sendText === undefined ? send : decodeEscapes(sendText, '--heartbeat-send');
  const expectText = text('heartbeatExpect');
  const reply = expectText === undefined ? expect : parseExpectFlag(expectText, '--heartbeat-expect');
  if (!bytes || bytes.length === 0 || !reply)
    throw new UsageError(
      '--heartbeat needs bytes to send and a reply to expect; add --send and --expect (or --heartbeat-send and --heartbeat-expect)',
    );
  return { everyMs, bytes, expect: reply };
}

function parseExpectFlag(text: string, flag = '--expect'): ExpectMatcher {
  if (text === '') throw new UsageError(`${flag} is empty; give the bytes or /regex/ a served reply contains`);
  try {
    return parseExpect(text);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      `${flag} ${JSON.stringify(text)} is not a regex this tool takes (${(err as Error).message}); fix the pattern (RE2 syntax: no backreferences or lookaround) or drop the slashes`,
    );
  }
}

/**
 * Returns the bytes of the one flag of a group that was given (text with escapes, or a file's
 * contents for the *File flags), or undefined; two of the group given is an error.
 */
function oneOf(raw: RawOptions, names: readonly string[], readFile: ReadFile): Buffer | undefined {
  const given = names.filter((name) => raw[name] !== undefined);
  if (given.length > 1) throw new UsageError(`${given.map(flagName).join(' and ')} both given; use one of them`);
  const name = given[0];
  if (name === undefined) return undefined;
  const value = raw[name];
  if (typeof value !== 'string') throw new UsageError(`${flagName(name)} needs a value; see goon-probe --help`);
  if (!name.endsWith('File')) return decodeEscapes(value, flagName(name));
  try {
    return readFile(value);
  } catch (err) {
    throw new UsageError(
      `${flagName(name)} ${JSON.stringify(value)} cannot be read (${(err as { code?: string }).code ?? 'error'}); check the path`,
    );
  }
}

/** Returns percentiles from `50,95,99.9`: each above 0 and at most 100, ascending, no repeats. */
export function parsePercentiles(text: string): number[] {
  const values = text.split(',').map((part) => part.trim());
  const numbers = values.map((v) => (/^\d+(\.\d+)?$/.test(v) ? Number(v) : Number.NaN));
  if (numbers.some((n) => !(n > 0 && n <= 100))) {
    throw new UsageError(
      `--latency-percentiles ${JSON.stringify(text)} is not a list of percentiles; use numbers above 0 and up to 100, like 50,95,99.9`,
    );
  }
  return [...new Set(numbers)].sort((a, b) => a - b);
}

function parseTransport(
  raw: RawOptions,
  targets: readonly TargetSpec[],
  readFile: ReadFile,
  /** A URL target's scheme asks for TLS (`rediss://`, `https://`). */
  tlsByUrl = false,
): Transport {
  const tlsOn = raw.tls === true || tlsByUrl;
  const tlsOnly = (['insecure', 'ca', 'sni'] as const).find((name) => raw[name] !== undefined);
  if (tlsOnly && !tlsOn)
    throw new UsageError(`${flagName(tlsOnly)} applies to TLS; add --tls (or use a TLS scheme such as rediss://)`);
  if (raw.wsPath !== undefined && raw.websocket !== true)
    throw new UsageError('--ws-path applies to WebSocket; add --websocket');
  const host = targets[0]?.host ?? '';
  const named = !/^[\d.]+$/.test(host) && !host.includes(':');
  let ca: Buffer | undefined;
  if (typeof raw.ca === 'string') {
    try {
      ca = readFile(raw.ca);
    } catch (err) {
      throw new UsageError(
        `--ca ${JSON.stringify(raw.ca)} cannot be read (${(err as { code?: string }).code ?? 'error'}); give a PEM file of trusted CA certificates`,
      );
    }
    if (!holdsPemCertificate(ca)) {
      throw new UsageError(
        `--ca ${JSON.stringify(raw.ca)} holds no PEM certificate (-----BEGIN CERTIFICATE-----); give the CA certificate in PEM, or --insecure to accept any`,
      );
    }
  }
  const sni = typeof raw.sni === 'string' ? raw.sni : named ? host : undefined;
  const tls = tlsOn ? { servername: sni, insecure: raw.insecure === true, ca } : undefined;
  if (raw.websocket === true) {
    const path = typeof raw.wsPath === 'string' ? raw.wsPath : '/';
    if (!path.startsWith('/'))
      throw new UsageError(`--ws-path ${JSON.stringify(path)} is not a path; start it with /, like /ws`);
    return { kind: 'websocket', path, host: named ? `${host}:${targets[0]?.port}` : undefined, tls };
  }
  return tls ? { kind: 'tls', tls } : { kind: 'tcp' };
}

/** Returns true when the bytes hold at least one PEM certificate that parses. */
function holdsPemCertificate(bytes: Buffer): boolean {
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(bytes.toString('latin1'));
  if (!block) return false;
  try {
    new X509Certificate(block[0]);
    return true;
  } catch {
    return false;
  }
}

function parseStatsd(raw: RawOptions): StatsdTarget | undefined {
  const named = (['statsdHost', 'statsdPort', 'statsdNamespace'] as const).some((name) => raw[name] !== undefined);
  if (raw.statsd !== true && !named) return undefined;
  const namespace = typeof raw.statsdNamespace === 'string' ? raw.statsdNamespace : STATSD_DEFAULTS.namespace;
  if (!/^[\w.-]*$/.test(namespace))
    throw new UsageError(
      `--statsd-namespace ${JSON.stringify(namespace)} has characters StatsD does not allow in names; use letters, digits, _ . and -`,
    );
  return {
    host: typeof raw.statsdHost === 'string' && raw.statsdHost !== '' ? raw.statsdHost : STATSD_DEFAULTS.host,
    port: typeof raw.statsdPort === 'string' ? parsePort(raw.statsdPort, '--statsd-port') : STATSD_DEFAULTS.port,
    namespace,
  };
}

/** Returns `--kebab-case` for a camelCase option name. */
export function flagName(name: string): string {
  return `--${kebab(name)}`;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Throws a UsageError when two report outputs want stdout, or name the same file. */
export function checkDistinctOutputs(outputs: readonly [string, string | undefined][]): void {
  const given = outputs.filter((o): o is [string, string] => o[1] !== undefined);
  for (let i = 0; i < given.length; i++) {
    for (let j = i + 1; j < given.length; j++) {
      const [a, pathA] = given[i] as [string, string];
      const [b, pathB] = given[j] as [string, string];
      if (pathA === '-' && pathB === '-')
        throw new UsageError(`${a} - and ${b} - both want stdout; write one of them to a file`);
      if (pathA !== '-' && pathB !== '-' && resolvePath(pathA) === resolvePath(pathB))
        throw new UsageError(
          `${a} and ${b} both name ${JSON.stringify(pathA)}, so one would overwrite the other; give them different files`,
        );
    }
  }
}

/** Returns `--engine`: auto (the default), native or js. */
function parseEngine(text: string | undefined): EngineRequest {
  if (text === undefined) return 'auto';
  const value = text.trim().toLowerCase();
  if ((ENGINE_REQUESTS as readonly string[]).includes(value)) return value as EngineRequest;
  throw new UsageError(
    `--engine ${JSON.stringify(text)} is not an engine; use auto (the default), native (C, plain TCP) or js (TypeScript, everything)`,
  );
}
