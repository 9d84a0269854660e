import { startCli } from './cli.js';

/**
 * Runs `fn` with `goon-probe serve ARGS` as a process of its own on 127.0.0.1 port 0, and always
 * stops it. A target in the test's own process shares its event loop with the prober: on a busy
 * machine it accepts, and closes over-limit connections, late enough to outlast --settle. In its
 * own process it answers on time, as a real server does.
 */
export async function withServeProcess<T>(args: readonly string[], fn: (address: string) => Promise<T>): Promise<T> {
  const serve = startCli(['serve', ...args]);
  try {
    await serve.waitFor(/listening on \S+/);
    const address = /listening on (\S+)/.exec(serve.output())?.[1] as string;
    return await fn(address);
  } finally {
    serve.child.kill('SIGINT');
    await serve.done;
  }
}
