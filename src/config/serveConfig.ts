import { resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RawOptions, ReadFile } from './probeConfig.js';
import { OVER_LIMIT_BEHAVIOURS, type OverLimit, type TargetServerOptions } from '../servers/targetOptions.js';
import { decodeEscapes, parseCount, parseDuration, parsePort, parseRate } from '../units.js';
import { UsageError } from '../usageError.js';

/** The self-signed test certificate for localhost and 127.0.0.1 (fixtures/tls; its key is public). */
export const TEST_CERT = {
  cert: new URL('../../fixtures/tls/localhost-cert.pem', import.meta.url),
  key: new URL('../../fixtures/tls/localhost-key.pem', import.meta.url),
} as const;

/** A validated `serve` command. */
export interface ServeConfig {
  readonly server: TargetServerOptions;
  /** Worker processes and listening ports of a multi-process hold target; null for the one-process target. */
  readonly hold: { readonly workers: number; readonly listeners: number } | null;
  /** Stop after this long; null runs until Ctrl-C. */
  readonly durationMs: number | null;
  /** With --tls: the certificate file it serves (--cert, or the built-in test one), for a probe's --ca. */
  readonly certPath: string | null;
}

/** Returns the validated config of `goon-probe serve`, or throws a UsageError. */
export function buildServeConfig(raw: RawOptions, positionals: readonly string[], readFile: ReadFile): ServeConfig {
  if (positionals.length > 0) {
    throw new UsageError(
      `serve takes no target (${JSON.stringify(positionals[0])}); use --host and --port to choose where it listens`,
    );
  }
  const text = (name: string): string | undefined => {
    const value = raw[name];
    if (typeof value === 'boolean') throw new UsageError(`--${name} needs a value; see goon-probe serve --help`);
    return value;
  };
  const overLimit = text('overLimit') ?? 'close';
  if (!OVER_LIMIT_BEHAVIOURS.includes(overLimit as OverLimit)) {
    throw new UsageError(
      `--over-limit ${JSON.stringify(overLimit)} is unknown; use one of ${OVER_LIMIT_BEHAVIOURS.join(', ')}`,
    );
  }
  const host = text('host') ?? '127.0.0.1';
  if (host.trim() === '') throw new UsageError('--host is empty; give an address to listen on, like 127.0.0.1');
  const reply = text('reply');
  const banner = text('banner');
  const errorLine = text('errorLine');
  if (errorLine !== undefined && overLimit !== 'error-close')
    throw new UsageError('--error-line applies to --over-limit error-close; add it, or drop --error-line');
  const max = text('maxConnections');
  const slowAfter = text('slowAfter');
  const delay = text('delay');
  if ((slowAfter === undefined) !== (delay === undefined))
    throw new UsageError(
      '--slow-after and --delay go together (replies wait --delay past --slow-after connections); give both',
    );
  if (slowAfter !== undefined && (reply === undefined || raw.websocket === true))
    throw new UsageError('--slow-after delays replies; add --reply echo (or --reply BYTES), without --websocket');
  const backlog = text('backlog');
  const acceptRate = text('acceptRate');
  const duration = text('duration');
  const workersText = text('workers');
  const listenersText = text('listeners');
  const workers = workersText === undefined ? 1 : parseCount(workersText, '--workers');
  const listeners = listenersText === undefined ? 1 : parseCount(listenersText, '--listeners');
  if (listeners > 64) throw new UsageError(`--listeners ${listeners} is too many; use at most 64 ports`);
  if (workers > 64) throw new UsageError(`--workers ${workers} is too many; use at most 64 processes`);
  const multi = workers > 1 || listeners > 1;
  if (multi) {
    const limited = [
      'maxConnections',
      'overLimit',
      'banner',
      'errorLine',
      'tls',
      'websocket',
      'slowAfter',
      'acceptRate',
    ].find((name) => raw[name] !== undefined);
    if (limited)
      throw new UsageError(
        `--${limited.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs the one-process target; drop --workers/--listeners (they make an unlimited hold target)`,
      );
    if (reply !== undefined && reply !== 'echo')
      throw new UsageError('--workers/--listeners targets only echo (--reply echo) or discard; drop the fixed --reply');
  }
  return {
    hold: multi ? { workers, listeners } : null,
    server: {
      host,
      port: parsePort(text('port') ?? '0', '--port', true),
      maxConnections: max === undefined ? undefined : parseCount(max, '--max-connections'),
      overLimit: overLimit as OverLimit,
      banner: banner === undefined ? undefined : decodeEscapes(banner, '--banner'),
      errorLine: errorLine === undefined ? undefined : decodeEscapes(errorLine, '--error-line'),
      reply: reply === undefined ? undefined : reply === 'echo' ? 'echo' : decodeEscapes(reply, '--reply'),
      backlog: backlog === undefined ? undefined : parseCount(backlog, '--backlog', 0),
      ...(acceptRate === undefined ? {} : { acceptPerSec: parseRate(acceptRate, '--accept-rate') }),
      tls: serverTls(raw, readFile),
      websocket: raw.websocket === true,
      ...(slowAfter === undefined || delay === undefined
        ? {}
        : { slowAfter: parseCount(slowAfter, '--slow-after', 0), delayMs: timerDuration(delay, '--delay', 'ms') }),
    },
    durationMs: duration === undefined ? null : timerDuration(duration, '--duration', 's'),
    certPath:
      raw.tls !== true ? null : typeof raw.cert === 'string' ? resolvePath(raw.cert) : fileURLToPath(TEST_CERT.cert),
  };
}

/** The longest wait a Node timer honours (2^31 - 1 ms, about 24.8 days); longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Returns a duration that goes into a timer, refusing one too long for it (it would fire at once). */
function timerDuration(text: string, flag: string, bare: 'ms' | 's'): number {
  const ms = parseDuration(text, flag, bare);
  if (ms > MAX_TIMER_MS)
    throw new UsageError(`${flag} ${JSON.stringify(text)} is too long; use at most 24d (a timer cannot wait longer)`);
  return ms;
}

/** Returns the TLS certificate and key of `serve --tls`: --cert/--key, or the built-in test pair. */
function serverTls(raw: RawOptions, readFile: ReadFile): { cert: Buffer; key: Buffer } | undefined {
  const given = (['cert', 'key'] as const).filter((name) => raw[name] !== undefined);
  if (raw.tls !== true) {
    if (given.length > 0) throw new UsageError(`--${given[0]} applies to TLS; add --tls`);
    return undefined;
  }
  if (given.length === 1)
    throw new UsageError(
      `--${given[0]} given without --${given[0] === 'cert' ? 'key' : 'cert'}; give both, or neither for the built-in test certificate`,
    );
  const read = (name: 'cert' | 'key'): Buffer => {
    const value = raw[name];
    const path = typeof value === 'string' ? value : fileURLToPath(TEST_CERT[name]);
    try {
      return readFile(path);
    } catch (err) {
      throw new UsageError(
        `--${name} ${JSON.stringify(path)} cannot be read (${(err as { code?: string }).code ?? 'error'}); give a PEM file`,
      );
    }
  };
  return { cert: read('cert'), key: read('key') };
}
