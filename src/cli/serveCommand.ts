import { readFileSync } from 'node:fs';
import type { CliIO } from './cliIO.js';
import type { RawOptions } from '../config/probeConfig.js';
import { startServe, type Target } from '../api/serve.js';
import { buildServeConfig } from '../config/serveConfig.js';
import { isLoopbackName } from '../net/loopback.js';
import { UsageError } from '../usageError.js';
import { confirmOutside } from './confirmOutside.js';

/** Runs a built-in target until Ctrl-C or --duration; returns the exit code. */
export async function serveCommand(positionals: readonly string[], raw: RawOptions, io: CliIO): Promise<number> {
  const config = buildServeConfig(raw, positionals, (path) => readFileSync(path));
  const host = config.server.host ?? '127.0.0.1';
  if (!isLoopbackName(host) && raw.assumeYes !== true) {
    const what = `--host ${host} is not a loopback address, so other machines could reach the server`;
    if (!(await confirmOutside(what, 'Listen there', io))) return 1;
  }
  let server: Target;
  try {
    server = await startServe(config);
  } catch (err) {
    throw listenError(err, host, config.server.port ?? 0);
  }
  io.out(`listening on ${server.address}\n`);
  // Wherever goon-probe is installed, a probe can trust the certificate by its path.
  if (config.certPath)
    io.err(`TLS certificate: ${config.certPath} (a probe trusts it with --tls --ca ${config.certPath})\n`);
  await new Promise<void>((resolve) => {
    const timer = config.durationMs === null ? null : setTimeout(finish, config.durationMs);
    const remove = io.onInterrupt((press) => void (press === 1 && finish()));
    function finish(): void {
      if (timer) clearTimeout(timer);
      remove();
      resolve();
    }
  });
  const stats = await server.stats();
  await server.close();
  io.err(
    config.hold
      ? `served ${stats.served} connections in ${config.hold.workers} worker process(es); ${stats.active} were open at the stop\n`
      : `served ${stats.served} connections (at most ${stats.peakActive} at once); ${stats.overLimit} over the limit\n`,
  );
  return 0;
}

/** Returns the UsageError for a listen that failed: the port taken, the address not this machine's. */
function listenError(err: unknown, host: string, port: number): Error {
  const code = (err as { code?: string }).code ?? '';
  if (code === 'EADDRINUSE')
    return new UsageError(`serve --port ${port} is in use (EADDRINUSE); choose another port, or 0 for any free one`);
  if (code === 'EADDRNOTAVAIL')
    return new UsageError(
      `serve --host ${host} is not an address of this machine (EADDRNOTAVAIL); use 127.0.0.1, or an address this machine has`,
    );
  if (code === 'EACCES')
    return new UsageError(
      `serve --port ${port} needs privileges to listen on (EACCES); choose a port above 1023, or 0 for any free one`,
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new UsageError(
      `serve --host ${JSON.stringify(host)} does not resolve (${code}); give an IP address, like 127.0.0.1`,
    );
  return err as Error;
}
