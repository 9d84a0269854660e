import type { TargetServerOptions } from '../../src/servers/targetOptions.js';
import { startTargetServer, type TargetServer } from '../../src/servers/targetServer.js';

/** Runs `fn` with a built-in target on 127.0.0.1 port 0, and always closes it. */
export async function withServer<T>(
  options: TargetServerOptions,
  fn: (server: TargetServer) => Promise<T>,
): Promise<T> {
  const server = await startTargetServer(options);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

/** Returns a port that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = await startTargetServer({});
  const port = server.port;
  await server.close();
  return port;
}

/** Resolves once `server` has no connection open; rejects after `ms` (a connection never closed). */
export async function idleWithin(server: TargetServer, ms = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${server.stats().active} connection(s) still open after ${ms} ms`)), ms);
  });
  try {
    await Promise.race([server.idle(), late]);
  } finally {
    clearTimeout(timer);
  }
}
