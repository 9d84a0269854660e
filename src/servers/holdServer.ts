import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { formatEndpoint } from '../net/resolve.js';
import { forkListeners } from './forkListeners.js';

/** How a multi-process hold target listens. */
export interface HoldServerOptions {
  readonly host?: string;
  /** First port; 0 picks free ports. With several listeners and a port, they are port, port+1, … */
  readonly port?: number;
  /** Listening ports (several destinations keep a prober under the per-pair port cliffs). */
  readonly listeners?: number;
  /** Worker processes accepting from every listener. */
  readonly workers: number;
  /** Connections one worker can hold (its open-file budget); a worker at it reports itself full. */
  readonly perWorkerCap: number;
  readonly backlog?: number;
  /** Echo what clients send; otherwise read and discard it. */
  readonly echo?: boolean;
}

/** A running hold target. */
export interface HoldServer {
  readonly host: string;
  readonly ports: readonly number[];
  /** `host:port` of every listener. */
  readonly addresses: readonly string[];
  readonly pids: readonly number[];
  /** Connections held now and served in all, over every worker; `full` counts workers at their cap. */
  stats(): Promise<{ active: number; served: number; full: number }>;
  close(): Promise<void>;
}

interface WorkerStats {
  type: 'stats';
  id: number;
  active: number;
  served: number;
  full: boolean;
}

/**
 * Starts a target with no connection limit that holds every connection open, in several worker
 * processes sharing the listening sockets (the open-file limit is per process, and one process's
 * accept loop would be the bottleneck of a fast prober). This process only creates the sockets
 * and lends them to the workers.
 */
export async function startHoldServer(options: HoldServerOptions): Promise<HoldServer> {
  const host = options.host ?? '127.0.0.1';
  const count = Math.max(1, options.listeners ?? 1);
  const backlog = options.backlog ?? 4096;
  const listeners: Server[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const listener = createServer();
      listeners.push(listener);
      ports.push(
        await new Promise<number>((resolve, reject) => {
          listener.once('error', reject);
          const port = options.port ? options.port + i : 0;
          listener.listen({ host, port, backlog }, () => resolve((listener.address() as { port: number }).port));
        }),
      );
    }
  } catch (err) {
    for (const listener of listeners) listener.close();
    throw err;
  }
  const fds = listeners.map((listener) => (listener as unknown as { _handle: { fd: number } })._handle.fd);
  let workers: ChildProcess[];
  try {
    // With at least as many ports as workers, every port has one worker: a prober dealing
    // connections round-robin over the ports then loads the workers evenly (processes sharing a
    // port are not: the one that wakes first accepts a whole batch).
    workers = await forkListeners(
      'holdWorker',
      Array.from({ length: options.workers }, (_, index) => {
        const mine = fds.length >= options.workers ? fds.filter((_, i) => i % options.workers === index) : fds;
        return {
          args: [
            JSON.stringify({ listeners: mine.length, backlog, cap: options.perWorkerCap, echo: options.echo === true }),
          ],
          fds: mine,
        };
      }),
    );
  } finally {
    for (const listener of listeners) listener.close();
  }
  let nextId = 0;
  return {
    host,
    ports,
    addresses: ports.map((port) => formatEndpoint({ host, port })),
    pids: workers.map((child) => child.pid ?? 0),
    async stats() {
      const id = nextId++;
      const replies = await Promise.all(
        workers.map(
          (child) =>
            new Promise<WorkerStats>((resolve) => {
              // A worker that has died holds nothing: its share reads as zero rather than never answering.
              const done = (stats: WorkerStats): void => {
                child.off('message', onMessage);
                child.off('exit', gone);
                resolve(stats);
              };
              const onMessage = (msg: WorkerStats): void => {
                if (msg.type === 'stats' && msg.id === id) done(msg);
              };
              const gone = (): void => done({ type: 'stats', id, active: 0, served: 0, full: false });
              if (!child.connected) return gone();
              child.on('message', onMessage);
              child.once('exit', gone);
              child.send({ type: 'stats', id }, (err) => {
                if (err) gone();
              });
            }),
        ),
      );
      return {
        active: replies.reduce((n, r) => n + r.active, 0),
        served: replies.reduce((n, r) => n + r.served, 0),
        full: replies.filter((r) => r.full).length,
      };
    },
    async close() {
      await Promise.all(
        workers.map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once('exit', () => resolve());
              child.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
