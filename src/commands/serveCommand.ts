import type { CliIO } from '../cliIO.js';
import type { RawOptions } from '../config.js';
import { buildServeConfig } from '../serveConfig.js';
import { startTargetServer } from '../servers/targetServer.js';

/** Runs a built-in target until Ctrl-C or --duration; returns the exit code. */
export async function serveCommand(positionals: readonly string[], raw: RawOptions, io: CliIO): Promise<number> {
  const config = buildServeConfig(raw, positionals);
  const server = await startTargetServer(config.server);
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
  const stats = server.stats();
  await server.close();
  io.err(`served ${stats.served} connections (at most ${stats.peakActive} at once); ${stats.overLimit} over the limit\n`);
  return 0;
}
