import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from './repoPath.js';
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

/**
 * Spawns `command` under its own open-file limit and resolves once its output says it is ready, as
 * the server on 127.0.0.1:`port`, stopped by its PID; `cleanup` runs once it has exited.
 */
async function startReal(
  port: number,
  fdLimit: number,
  command: readonly string[],
  ready: RegExp,
  cleanup: () => void = () => {},
): Promise<RealServer> {
  const child = await spawnUntilReady(fdLimit, command, ready, cleanup);
  return { address: `127.0.0.1:${port}`, pid: child.pid as number, stop: stopper(child, cleanup) };
}

function spawnUntilReady(
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
  return startReal(port, maxclients + 96, args, /Ready to accept connections/);
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
  return startReal(
    port,
    maxConnections * 4 + 128,
    [lighttpd, '-D', '-f', join(dir, 'lighttpd.conf')],
    /server started/,
    cleanup,
  );
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
  return startReal(
    port,
    maxStartups * 4 + 256,
    [sshd, '-D', '-e', '-f', join(dir, 'sshd_config')],
    /Server listening on/,
    cleanup,
  );
}

/** Runs `fn` against a real server, always stopped by its PID. */
export async function withReal<S extends RealServer, T>(start: Promise<S>, fn: (server: S) => Promise<T>): Promise<T> {
  const server = await start;
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

/** Returns a temporary folder that the unprivileged user `nobody` owns (PostgreSQL refuses to run as root). */
function nobodysDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (process.getuid?.() === 0) execFileSync('chown', ['nobody:nogroup', dir]);
  return dir;
}

/** The command as `nobody` when this process is root (setpriv, from util-linux), else as is. */
const asNobody = (command: readonly string[]): string[] =>
  process.getuid?.() === 0
    ? ['setpriv', '--reuid=nobody', '--regid=nogroup', '--clear-groups', ...command]
    : [...command];

/**
 * Starts PostgreSQL on 127.0.0.1 with `max_connections` (no connections kept back for superusers),
 * trust authentication for the probing user, and no durability: a cluster made by initdb in a
 * temporary folder, run as `nobody` when the tests run as root.
 */
export async function startPostgres(maxConnections: number): Promise<RealServer> {
  const bin = (name: string): string => {
    const found = ['15', '16', '17', '14', '13']
      .map((v) => `/usr/lib/postgresql/${v}/bin/${name}`)
      .find((p) => existsSync(p));
    return binary('postgresql', found ? [found] : []);
  };
  const port = await closedPort();
  const dir = nobodysDir('goon-probe-postgres-');
  const data = join(dir, 'data');
  const [initdb, ...args] = asNobody([
    bin('initdb'),
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '--no-instructions',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  execFileSync(initdb as string, args, { stdio: 'ignore' });
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  const settings = [
    `max_connections=${maxConnections}`,
    'superuser_reserved_connections=0',
    'fsync=off',
    'shared_buffers=8MB',
    'autovacuum=off',
  ].flatMap((s) => ['-c', s]);
  return startReal(
    port,
    maxConnections * 2 + 256,
    asNobody([bin('postgres'), '-D', data, '-k', dir, '-h', '127.0.0.1', '-p', String(port), ...settings]),
    /ready to accept connections/,
    cleanup,
  );
}

/**
 * Starts MariaDB on 127.0.0.1 with `max_connections`, from an empty data folder with the grant
 * tables skipped (no mariadb-install-db: a client that only reads the handshake needs none).
 */
export async function startMariadb(maxConnections: number): Promise<RealServer> {
  const mariadbd = binary('mariadb-server', ['/usr/sbin/mariadbd', '/usr/sbin/mysqld']);
  const port = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), 'goon-probe-mariadb-'));
  mkdirSync(join(dir, 'data'));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  return startReal(
    port,
    maxConnections * 2 + 256,
    [
      mariadbd,
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      `--socket=${join(dir, 'sock')}`,
      `--pid-file=${join(dir, 'pid')}`,
      '--bind-address=127.0.0.1',
      `--port=${port}`,
      `--max-connections=${maxConnections}`,
      '--skip-grant-tables',
      '--skip-name-resolve',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=8M',
      '--user=root',
    ],
    /ready for connections/,
    cleanup,
  );
}

/**
 * Starts nginx (one worker, no master) on 127.0.0.1 with `worker_connections`, listening on two
 * ports: HTTP, and HTTPS with the repository's throwaway certificate. Each response sends its head
 * at once and then its body at one byte a second, so a held connection stays busy: nginx cannot
 * close it to make room (as it does with idle keep-alive ones), and past its limit it accepts and
 * closes. `worker_connections` counts the two listening sockets too.
 */
export async function startNginx(workerConnections: number): Promise<RealServer & { readonly tlsAddress: string }> {
  const nginx = binary('nginx-light', ['/usr/sbin/nginx']);
  const [port, tlsPort] = [await closedPort(), await closedPort()];
  const dir = mkdtempSync(join(tmpdir(), 'goon-probe-nginx-'));
  mkdirSync(join(dir, 'logs'));
  const tls = (name: string): string => repoPath('fixtures', 'tls', name);
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'master_process off;',
      'worker_processes 1;',
      'error_log stderr notice;',
      `pid ${join(dir, 'nginx.pid')};`,
      `events { worker_connections ${workerConnections}; }`,
      'http {',
      '  access_log off;',
      '  keepalive_timeout 300s;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir};`),
      '  server {',
      `    listen 127.0.0.1:${port};`,
      `    listen 127.0.0.1:${tlsPort} ssl;`,
      `    ssl_certificate ${tls('localhost-cert.pem')};`,
      `    ssl_certificate_key ${tls('localhost-key.pem')};`,
      `    location / { limit_rate 1; limit_rate_after 256; return 200 "${'x'.repeat(1500)}"; }`,
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  const server = await startReal(
    port,
    workerConnections * 2 + 256,
    [nginx, '-p', dir, '-c', join(dir, 'nginx.conf')],
    /start worker process|getrlimit/,
    cleanup,
  );
  return { ...server, tlsAddress: `localhost:${tlsPort}` };
}

/** Starts mosquitto on 127.0.0.1 with `max_connections`, anonymous clients allowed, no persistence. */
export async function startMosquitto(maxConnections: number): Promise<RealServer> {
  const mosquitto = binary('mosquitto', ['/usr/sbin/mosquitto']);
  const port = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), 'goon-probe-mosquitto-'));
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    [
      `listener ${port} 127.0.0.1`,
      `max_connections ${maxConnections}`,
      'allow_anonymous true',
      'log_dest stderr',
      'persistence false',
      '',
    ].join('\n'),
  );
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  return startReal(port, maxConnections * 2 + 256, [mosquitto, '-c', join(dir, 'mosquitto.conf')], / running/, cleanup);
}

/** Starts nats-server on 127.0.0.1 with `max_connections`, asking its clients PING every `pingEverySeconds`. */
export async function startNats(maxConnections: number, pingEverySeconds = 120): Promise<RealServer> {
  const nats = binary('nats-server', ['/usr/sbin/nats-server', '/usr/bin/nats-server']);
  const port = await closedPort();
  const dir = mkdtempSync(join(tmpdir(), 'goon-probe-nats-'));
  // ping_interval and ping_max: how often the server asks its clients PING, and how many may go unanswered.
  writeFileSync(
    join(dir, 'nats.conf'),
    `listen: 127.0.0.1:${port}\nmax_connections: ${maxConnections}\nping_interval: "${pingEverySeconds}s"\nping_max: 1\n`,
  );
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  return startReal(port, maxConnections * 2 + 256, [nats, '-c', join(dir, 'nats.conf')], /Server is ready/, cleanup);
}

/**
 * Starts memcached on 127.0.0.1 with `-c maxconns` and one worker thread. memcached counts its own
 * descriptors against maxconns: with one thread, 13 of them (listening socket, pipes, stdio), so
 * `maxconns - 13` clients (measured on Debian's 1.6.18).
 */
export async function startMemcached(maxconns: number): Promise<RealServer> {
  const memcached = binary('memcached', ['/usr/bin/memcached']);
  const port = await closedPort();
  const root = process.getuid?.() === 0 ? ['-u', 'root'] : [];
  return startReal(
    port,
    maxconns * 2 + 256,
    [memcached, '-l', '127.0.0.1', '-p', String(port), '-c', String(maxconns), '-t', '1', '-U', '0', ...root, '-vv'],
    /server listening/,
  );
}
