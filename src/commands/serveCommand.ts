import { readFileSync } from 'node:fs';
import type { CliIO } from '../cliIO.js';
import type { RawOptions } from '../config.js';
import { buildServeConfig, type ServeConfig } from '../serveConfig.js';
import { readEnvironment } from '../environment.js';
import { FD_RESERVE } from '../preflight.js';
import { startHoldServer } from '../servers/holdServer.js';
import { startTargetServer, type TargetServerStats } from '../servers/targetServer.js';

/** Runs a built-in target until Ctrl-C or --duration; returns the exit code. */
export async function serveCommand(positionals: readonly string[], raw: RawOptions, io: CliIO): Promise<number> {
  const config = buildServeConfig(raw, positionals, (path) => readFileSync(path));
  const server = config.hold ? await holdTarget(config) : await startTargetServer(config.server);
  io.out(`listening on ${server.address}\n`);
  await new Promise<void>((resolve) => {
    const timer = config.durationMs === null ? null : setTimeout(finish, config.durationMs);
    const remove = io.onInterrupt(finish);
    function finish(): void {
      if (timer) clearTimeout(timer);
      remove();
      resolve();
    }
  });
  const stats = await server.stats();
  await server.close();
  io.err(config.hold
    ? `served ${stats.served} connections in ${config.hold.workers} worker process(es); ${stats.active} were open at the stop\n`
    : `served ${stats.served} connections (at most ${stats.peakActive} at once); ${stats.overLimit} over the limit\n`);
  return 0;
}

/** Starts the multi-process hold target and gives it the one-process target's face. */
async function holdTarget(config: ServeConfig): Promise<{ address: string; stats(): Promise<TargetServerStats>; close(): Promise<void> }> {
  const hold = config.hold as NonNullable<ServeConfig['hold']>;
  const soft = readEnvironment().fdLimit?.soft ?? 1024;
  const server = await startHoldServer({
    host: config.server.host, port: config.server.port, listeners: hold.listeners, workers: hold.workers,
    perWorkerCap: Math.max(1, soft - FD_RESERVE), backlog: config.server.backlog, echo: config.server.reply === 'echo',
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
