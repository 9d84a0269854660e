import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CliIO } from './cliIO.js';
import { buildProbeConfig, type RawOptions } from '../config/probeConfig.js';
import { TEST_CERT } from '../config/serveConfig.js';
import type { TargetServer } from '../servers/targetServer.js';
import type { ProbeContext } from './runProbe.js';
import { parsePort } from '../units.js';
import { UsageError } from '../usageError.js';
import { CREDENTIAL_VARIABLES, type CredentialEnv } from '../protocols/urlTarget.js';

/** Runs the probe command (fixed or ramp mode), writes every requested output, and returns the exit code. */
export async function probeCommand(
  positionals: readonly string[],
  raw: RawOptions,
  io: CliIO,
  context: ProbeContext,
): Promise<number> {
  // -l/--listen-port: tcpkali's self-test; the built-in server runs here, and is the target unless others are given.
  const listener = await startListener(raw, io);
  try {
    const destinations = positionals.length > 0 || !listener ? positionals : [listener.address];
    const trusted =
      listener && raw.tls === true && raw.ca === undefined && raw.insecure === undefined
        ? { ...raw, ca: fileURLToPath(TEST_CERT.cert) }
        : raw;
    const config = buildProbeConfig(trusted, destinations, (path) => readFileSync(path), Date.now(), credentialEnv());
    // The run itself (sockets, TLS, WebSocket, shards, reports) is loaded only once the options are valid.
    const { runProbe } = await import('./runProbe.js');
    return await runProbe(config, io, context);
  } finally {
    await listener?.close();
  }
}

/** Starts the -l/--listen-port server (echoing, with --tls/--websocket as the probe speaks), or returns null. */
async function startListener(raw: RawOptions, io: CliIO): Promise<TargetServer | null> {
  if (raw.listenPort === undefined) return null;
  if (typeof raw.listenPort !== 'string') throw new UsageError('-l/--listen-port needs a port; use 0 for any free one');
  const port = parsePort(raw.listenPort, '-l/--listen-port', true);
  const tls = raw.tls === true ? { cert: readFileSync(TEST_CERT.cert), key: readFileSync(TEST_CERT.key) } : undefined;
  const { startTargetServer } = await import('../servers/targetServer.js');
  try {
    const server = await startTargetServer({ port, reply: 'echo', tls, websocket: raw.websocket === true });
    if (raw.quiet !== true) io.err(`listening on ${server.address} (-l: the built-in server, echoing)\n`);
    return server;
  } catch (err) {
    throw new UsageError(
      `-l/--listen-port ${port} cannot be used (${(err as { code?: string }).code ?? 'error'}); choose a free port, or 0 for any`,
    );
  }
}

/** The environment variables URL targets take credentials from (the URL's own come first). */
export function credentialEnv(): CredentialEnv {
  return Object.fromEntries(CREDENTIAL_VARIABLES.map((name) => [name, process.env[name]]));
}
