import { readFileSync } from 'node:fs';
import { SERVE_OPTIONS } from '../config/optionSpecs.js';
import { buildServeConfig, type ServeConfig } from '../config/serveConfig.js';
import { isLoopbackName } from '../net/loopback.js';
import { readEnvironment } from '../probe/environment.js';
import { FD_RESERVE } from '../probe/preflight.js';
import { startHoldServer } from '../servers/holdServer.js';
import { startTargetServer, type TargetServerStats } from '../servers/targetServer.js';
import { UsageError } from '../usageError.js';
import { toRawOptions, type OptionValue } from './rawOptions.js';

/**
 * What `serve()` starts: the options of `goon-probe serve` in camelCase (`maxConnections: 50`,
 * `overLimit: 'refuse'`, `banner: '+OK\r\n'`). It listens on 127.0.0.1 at a free port unless told otherwise.
 */
export interface ServeOptions {
  readonly host?: string;
  readonly port?: number;
  /** Connections served at once; past it `overLimit` applies. */
  readonly maxConnections?: number;
  readonly overLimit?: 'close' | 'error-close' | 'reset' | 'queue' | 'evict-oldest' | 'refuse';
  readonly banner?: string;
  /** `echo`, or bytes to answer every chunk with. */
  readonly reply?: string;
  /** Take on at most this many new connections a second (`50/s`), as a fork-per-connection server does. */
  readonly acceptRate?: string;
  /** A host outside loopback is refused unless this is true. */
  readonly assumeYes?: boolean;
  readonly [option: string]: OptionValue | undefined;
}

/** A running built-in target. */
export interface Target {
  /** `host:port` (several, space-separated, with `listeners`): what `probe({ target })` takes. */
  readonly address: string;
  /** What it has seen: connections served now and in all, turned away past the limit. */
  stats(): Promise<TargetServerStats>;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Starts a built-in target (the server of `goon-probe serve`) and resolves once it listens. */
export async function serve(options: ServeOptions = {}): Promise<Target> {
  const raw = toRawOptions('serve()', options, SERVE_OPTIONS, {
    duration: 'close() the target when done with it',
  });
  const config = buildServeConfig(raw, [], (path) => readFileSync(path));
  const host = config.server.host ?? '127.0.0.1';
  if (!isLoopbackName(host) && raw.assumeYes !== true)
    throw new UsageError(
      `serve(): host ${host} is not a loopback address, so other machines could reach the server; pass assumeYes: true to listen there`,
    );
  return startServe(config);
}

/** Starts the target a serve config describes: the one-process target, or the multi-process hold target. */
export async function startServe(config: ServeConfig): Promise<Target> {
  if (!config.hold) {
    const server = await startTargetServer(config.server);
    return { address: server.address, stats: async () => server.stats(), close: () => server.close() };
  }
  const soft = readEnvironment().fdLimit?.soft ?? 1024;
  const server = await startHoldServer({
    host: config.server.host,
    port: config.server.port,
    listeners: config.hold.listeners,
    workers: config.hold.workers,
    perWorkerCap: Math.max(1, soft - FD_RESERVE),
    backlog: config.server.backlog,
    echo: config.server.reply === 'echo',
  });
  return {
    address: server.addresses.join(' '),
    async stats() {
      const s = await server.stats();
      return { active: s.active, peakActive: s.active, served: s.served, overLimit: 0, waiting: 0 };
    },
    close: () => server.close(),
  };
}
