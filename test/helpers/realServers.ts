import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedPort } from './servers.js';

/** A real server started by a test on a loopback port, stopped by its PID. */
export interface RealServer {
  readonly address: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Returns the path of a Debian server binary, or throws naming the package to install. */
function binary(name: string, paths: readonly string[]): string {
  const found = paths.find((p) => existsSync(p));
  if (!found)
    throw new Error(`${name} is not installed: run npm test as root (it installs it) or apt-get install ${name}`);
  return found;
}

/** Spawns `command` under its own open-file limit and resolves once its output says it is ready. */
function startUnder(
  fdLimit: number,
  command: readonly string[],
  ready: RegExp,
  cleanup: () => void,
): Promise<ChildProcess> {
  const child = spawn('/bin/sh', ['-c', `ulimit -n ${fdLimit} && exec "$@"`, 'sh', ...command], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer): void => {
      output += d.toString();
      if (ready.test(output)) resolve(child);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      cleanup();
      reject(new Error(`${command[0]} exited (${code}) before it was ready:\n${output}`));
    });
  });
}

function stopper(child: ChildProcess, cleanup: () => void): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(child.pid as number, 'SIGTERM');
      await exited;
    }
    cleanup();
  };
}

/** Starts redis-server on 127.0.0.1 with `maxclients`, no persistence, and its own fd limit. */
export async function startRedis(maxclients: number): Promise<RealServer> {
  const redis = binary('redis-server', ['/usr/bin/redis-server', '/usr/local/bin/redis-server']);
  const port = await closedPort();
  const args = [
    redis,
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--maxclients',
    String(maxclients),
    '--save',
    '',
    '--appendonly',
    'no',
    '--logfile',
    '',
    '--daemonize',
    'no',
  ];
  // Redis keeps 32 descriptors for itself and lowers maxclients to fit the limit: leave room.
  const child = await startUnder(maxclients + 96, args, /Ready to accept connections/, () => {});
  return { address: `127.0.0.1:${port}`, pid: child.pid as number, stop: stopper(child, () => {}) };
}

/** Starts lighttpd on 127.0.0.1 with `server.max-connections`, keep-alive long enough to hold. */
export async function startLighttpd(maxConnections: number): Promise<RealServer> {
  const lighttpd = binary('lighttpd', ['/usr/sbin/lighttpd', '/usr/bin/lighttpd']);
  const port = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), 'goon-probe-lighttpd-'));
  writeFileSync(join(dir, 'index.html'), 'served\n');
  writeFileSync(
    join(dir, 'lighttpd.conf'),
    [
      `server.document-root = "${dir}"`,
      'server.bind = "127.0.0.1"',
      `server.port = ${port}`,
      `server.max-connections = ${maxConnections}`,
      `server.max-fds = ${maxConnections * 4 + 64}`,
      'server.max-keep-alive-idle = 300',
      'server.max-keep-alive-requests = 1000',
      'server.max-read-idle = 300',
      '',
    ].join('\n'),
  );
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  const child = await startUnder(
    maxConnections * 4 + 128,
    [lighttpd, '-D', '-f', join(dir, 'lighttpd.conf')],
    /server started/,
    cleanup,
  );
  return { address: `127.0.0.1:${port}`, pid: child.pid as number, stop: stopper(child, cleanup) };
}

/**
 * Starts Debian's sshd on 127.0.0.1 with `MaxStartups` (unauthenticated connections it keeps; past
 * it, it says "Exceeded MaxStartups" and closes), no login grace limit (so connections hold), and a
 * host key of its own. sshd forks (and re-executes itself) for every connection: it takes on new
 * connections slower than a fast ramp asks.
 */
export async function startSshd(maxStartups: number): Promise<RealServer> {
  const sshd = binary('openssh-server', ['/usr/sbin/sshd']);
  const port = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), 'goon-probe-sshd-'));
  // sshd needs its privilege separation directory, owned by root (it is made at boot on Debian).
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `HostKey ${join(dir, 'host_key')}`,
      `MaxStartups ${maxStartups}`,
      'LoginGraceTime 0',
      'UsePAM no',
      `PidFile ${join(dir, 'sshd.pid')}`,
      '',
    ].join('\n'),
  );
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  // -D: stay in the foreground; -e: log to stderr, where "Server listening" says it is ready.
  const child = await startUnder(
    maxStartups * 4 + 256,
    [sshd, '-D', '-e', '-f', join(dir, 'sshd_config')],
    /Server listening on/,
    cleanup,
  );
  return { address: `127.0.0.1:${port}`, pid: child.pid as number, stop: stopper(child, cleanup) };
}
