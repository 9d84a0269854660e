import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { builtBin, withoutCoverage } from './cli.js';

/**
 * Hosts for a test, made of network namespaces: one target host and several prober hosts, each
 * prober joined to the target by its own veth pair. Every address is from 198.18.0.0/15 (set
 * aside for benchmark networks) and exists only inside these namespaces: the target answers on
 * 198.18.0.1, prober i is 198.18.(i+1).2. Nothing here reaches outside them.
 */
export interface TestHosts {
  readonly target: string;
  readonly targetAddress: string;
  readonly probers: readonly string[];
  /** Runs the built goon-probe inside a namespace, with its own open-file limit. */
  goonProbe(namespace: string, args: readonly string[]): HostProcess;
  /** Runs a command inside a namespace and returns its output (for sysctl). */
  run(namespace: string, argv: readonly string[]): string;
  /** Kills what was started and deletes every namespace; safe to call twice. */
  remove(): void;
}

/** A goon-probe process on a test host. */
export interface HostProcess {
  readonly child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  readonly done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Returns why namespaces cannot be made here (not root, no `ip`), or null when they can. */
export function whyNoNamespaces(): string | null {
  if (process.getuid?.() !== 0) return 'not root: network namespaces need CAP_NET_ADMIN';
  const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return `no usable ip(8): ${probe.error?.message ?? probe.stderr.trim()}`;
  return null;
}

const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** Creates the target host and `probers` prober hosts; removes them all if any step fails. */
export function makeTestHosts(probers: number): TestHosts {
  const tag = `gp${process.pid}`;
  const target = `${tag}-t`;
  const proberNames = Array.from({ length: probers }, (_, i) => `${tag}-p${i}`);
  const children = new Set<ChildProcess>();
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    for (const child of children) child.kill('SIGKILL');
    for (const ns of [target, ...proberNames]) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    process.off('exit', remove);
  };
  // Whatever happens to the test (a failed assertion, an exception), the hosts go with the process.
  process.on('exit', remove);
  try {
    for (const ns of [target, ...proberNames]) ip('netns', 'add', ns);
    ip('-n', target, 'link', 'set', 'lo', 'up');
    ip('-n', target, 'addr', 'add', '198.18.0.1/32', 'dev', 'lo');
    proberNames.forEach((ns, i) => {
      const [mine, theirs] = [`veth${i}p`, `veth${i}t`];
      ip('link', 'add', mine, 'netns', ns, 'type', 'veth', 'peer', 'name', theirs, 'netns', target);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
      ip('-n', ns, 'addr', 'add', `198.18.${i + 1}.2/24`, 'dev', mine);
      ip('-n', ns, 'link', 'set', mine, 'up');
      ip('-n', ns, 'route', 'add', '198.18.0.1/32', 'via', `198.18.${i + 1}.1`);
      ip('-n', target, 'addr', 'add', `198.18.${i + 1}.1/24`, 'dev', theirs);
      ip('-n', target, 'link', 'set', theirs, 'up');
    });
  } catch (err) {
    remove();
    throw err;
  }
  const bin = builtBin();
  return {
    target,
    targetAddress: '198.18.0.1',
    probers: proberNames,
    remove,
    run: (ns, argv) => execFileSync('ip', ['netns', 'exec', ns, ...argv], { encoding: 'utf8' }),
    goonProbe(ns, args) {
      const child = spawn(
        'ip',
        ['netns', 'exec', ns, 'sh', '-c', 'ulimit -n 8192 && exec "$@"', 'sh', process.execPath, bin, ...args],
        // The built bin is not what c8 measures (it covers src/): no coverage files from these hosts.
        { stdio: ['ignore', 'pipe', 'pipe'], env: withoutCoverage() },
      );
      children.add(child);
      let stdout = '';
      let stderr = '';
      const waiters: Array<{ pattern: RegExp; resolve: (m: RegExpExecArray) => void }> = [];
      const check = (): void => {
        for (const w of [...waiters]) {
          const m = w.pattern.exec(stdout + stderr);
          if (m) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(m);
          }
        }
      };
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        check();
      });
      child.stderr?.on('data', (d: Buffer) => {
        stderr += d.toString();
        check();
      });
      const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
        child.on('close', (code) => {
          children.delete(child);
          resolve({ code, stdout, stderr });
        }),
      );
      return {
        child,
        done,
        output: () => stdout + stderr,
        waitFor: (pattern) =>
          new Promise((resolve, reject) => {
            waiters.push({ pattern, resolve });
            check();
            void done.then(() => reject(new Error(`exited before ${pattern}:\n${stdout}\n${stderr}`)));
          }),
      };
    },
  };
}
