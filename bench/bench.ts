/**
 * `npm run bench`: how fast goon-probe opens connections, how many it holds and what they cost,
 * against the built-in multi-process hold target on loopback. Every scenario runs the built CLI
 * (dist/bin.js) as its own process tree, several times; the medians are printed and all runs are
 * written as JSON to bench/results/. Traffic goes to 127.0.0.1 only.
 *
 *   npm run bench                 startup, then open-and-hold 10k, 50k, 100k, 10k verified by
 *                                 --send/--expect (10k-expect) and churn, 3 runs each
 *   npm run bench -- 10k churn    only those scenarios
 *   npm run bench -- startup      --version, --help and a usage error against node -e 0 (15 runs)
 *   npm run bench -- --runs 5     more runs
 *   npm run bench -- soak         endurance: churn, hold, ramp and heartbeat soaks, 60 minutes each
 *                                 (--minutes N; soak-churn, soak-hold, soak-ramp, soak-heartbeat
 *                                 alone; --engine E passes the prober's --engine on); every
 *                                 process's memory must stay flat (bench/benchSoak.ts)
 *
 * Peers run on the same target right before the scenario they are compared with: net.Socket and
 * bare-handle Node clients (10k), a bare-handle churn loop, and the same in C when cc is present.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median } from 'simple-statistics';
import { loadNativeEngine } from '../src/fleet/nativeEngine.js';
import { readEnvironment } from '../src/probe/environment.js';
import { FD_RESERVE, workersFor } from '../src/probe/preflight.js';
import { startHoldServer, type HoldServer } from '../src/servers/holdServer.js';
import {
  runSoak,
  SOAK_COLLECT_EVERY_MS,
  SOAK_SCENARIOS,
  type SoakResult,
  type SoakScenario,
  soakTable,
} from './benchSoak.js';
import { benchStartup, startupTable, type StartupResult } from './benchStartup.js';

// biome-ignore lint/suspicious/noExplicitAny: a run record read back from the CLI's JSON, read loosely
type RunRecordJson = Record<string, any>;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = `${ROOT}dist/bin.js`;
const PAGE = 4096;
const TICKS_PER_SEC = 100;

interface Scenario {
  readonly name: string;
  readonly connections: number;
  /** Extra CLI flags. */
  readonly flags: readonly string[];
  /** Churn scenarios measure established per second over the whole run instead of time to N. */
  readonly churn?: boolean;
  /** The target echoes what it is sent (for --send/--expect). */
  readonly echo?: boolean;
  readonly goal: string;
}

const SCENARIOS: readonly Scenario[] = [
  { name: '10k', connections: 10_000, flags: ['--workers', 'auto', '--max-inflight', '3000'], goal: '>= 20k/s' },
  { name: '50k', connections: 50_000, flags: ['--workers', 'auto', '--max-inflight', '3000'], goal: 'exact count' },
  // Each connection served only once the target echoed --send back: on both engines.
  {
    name: '10k-expect',
    connections: 10_000,
    flags: ['--workers', 'auto', '--max-inflight', '3000', '--send', 'ping\\n', '--expect', 'ping'],
    echo: true,
    goal: 'exact count',
  },
  {
    name: '100k',
    connections: 100_000,
    flags: ['--workers', 'auto', '--max-inflight', '3000'],
    goal: '>= 30k/s, exact count, <= 2.5 KB/conn',
  },
  {
    name: 'churn',
    connections: 2_000,
    flags: ['--workers', '2', '--channel-lifetime', '0', '-T', '10s'],
    churn: true,
    goal: '>= 25k/s',
  },
];
/**
 * Listening ports of the target: 100k over 16 destinations is 6,250 per (source, destination)
 * pair, well under the kernel's ~14k cliff (at 25k per pair, connect() stalls for seconds).
 */
const LISTENERS = 16;
/**
 * Target worker processes for a scenario: one per core, or as many as the open-file limit needs to
 * hold its connections (each worker holds at most its limit). No more: on two cores, every extra
 * process the target runs is CPU the prober being measured does not get.
 */
function targetWorkersFor(connections: number, fdSoft: number): number {
  return Math.max(availableParallelism(), Math.ceil(connections / (fdSoft - FD_RESERVE)));
}

/** The connection engines compared: the native one (C, plain TCP) when it is built here, and the TypeScript fleet. */
type Engine = 'native' | 'js';

interface RunResult {
  readonly scenario: string;
  readonly engine: Engine;
  readonly run: number;
  readonly connections: number;
  readonly exitCode: number | null;
  readonly established: number;
  readonly exact: boolean;
  /** The run's failures by kind (what made a run not exact). */
  readonly failures: Readonly<Record<string, number>>;
  readonly timeToAllMs: number | null;
  readonly establishedPerSec: number | null;
  readonly peakRssBytes: number;
  readonly baselineRssBytes: number;
  readonly rssPerConnectionBytes: number | null;
  readonly cpuSeconds: number;
  readonly processes: number;
  readonly workers: number;
}

/** Returns the pids of a process and all its descendants, from /proc. */
function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(`/proc/${entry}/stat`);
    if (!stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const out: number[] = [];
  const walk = (pid: number): void => {
    out.push(pid);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(root);
  return out;
}

function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Resident bytes and CPU ticks (user + system) of one process, or null once it is gone. */
function usage(pid: number): { rss: number; ticks: number } | null {
  const statm = readProc(`/proc/${pid}/statm`);
  const stat = readProc(`/proc/${pid}/stat`);
  if (!statm || !stat) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { rss: Number(statm.split(' ')[1]) * PAGE, ticks: Number(fields[11]) + Number(fields[12]) };
}

/** Runs the CLI once, sampling the RSS of its whole process tree; returns the record and the peak. */
async function runProber(
  args: readonly string[],
  sampleEveryMs: number,
): Promise<{
  record: RunRecordJson;
  peakRss: number;
  cpuSeconds: number;
  processes: number;
  exitCode: number | null;
}> {
  const out = `${ROOT}bench/results/.run.json`;
  const child = spawn(process.execPath, [BIN, ...args, '--json', out, '-q'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const _startedAt = performance.now();
  const ticks = new Map<number, number>();
  let peakRss = 0;
  let processes = 1;
  const sample = (): void => {
    if (child.pid === undefined) return;
    let rss = 0;
    const tree = processTree(child.pid);
    for (const pid of tree) {
      const u = usage(pid);
      if (!u) continue;
      rss += u.rss;
      ticks.set(pid, u.ticks);
    }
    processes = Math.max(processes, tree.length);
    peakRss = Math.max(peakRss, rss);
  };
  const timer = setInterval(sample, sampleEveryMs);
  const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  clearInterval(timer);
  const record = JSON.parse(readFileSync(out, 'utf8')) as RunRecordJson;
  rmSync(out, { force: true });
  const cpuSeconds = [...ticks.values()].reduce((a, b) => a + b, 0) / TICKS_PER_SEC;
  return { record, peakRss, cpuSeconds, processes, exitCode };
}

async function runScenario(scenario: Scenario, run: number, target: HoldServer, engine: Engine): Promise<RunResult> {
  const args = [
    ...target.addresses,
    '-c',
    String(scenario.connections),
    '-s',
    '0',
    '--keepalive',
    '15s',
    ...scenario.flags,
    '--engine',
    engine,
  ];
  // The same command with one connection: what the processes cost before holding anything.
  const idle = await runProber(
    [...target.addresses, '-c', '1', '-s', '0', '--workers', workersOf(scenario), '--engine', engine],
    20,
  );
  const measured = await runProber(args, 20);
  const result = measured.record.result;
  const established = scenario.churn ? result.totalEstablished : result.status.established;
  const timeToAllMs = scenario.churn ? null : result.allEstablishedAtMs;
  const perSec = scenario.churn
    ? (established * 1000) / result.elapsedMs
    : timeToAllMs
      ? (scenario.connections * 1000) / timeToAllMs
      : null;
  const baseline = idle.peakRss;
  return {
    scenario: scenario.name,
    engine,
    run,
    connections: scenario.connections,
    exitCode: measured.exitCode,
    established,
    exact: scenario.churn
      ? result.failures && Object.keys(result.failures).length === 0
      : established === scenario.connections && result.status.error === 0,
    failures: result.failures ?? {},
    timeToAllMs,
    establishedPerSec: perSec,
    peakRssBytes: measured.peakRss,
    baselineRssBytes: baseline,
    rssPerConnectionBytes: scenario.churn ? null : (measured.peakRss - baseline) / scenario.connections,
    cpuSeconds: measured.cpuSeconds,
    processes: measured.processes,
    workers: measured.record.config.workers ?? 1,
  };
}

/** The worker count a scenario runs with (the idle run needs the same count; auto resolves as the prober does). */
function workersOf(scenario: Scenario): string {
  const i = scenario.flags.indexOf('--workers');
  const value = i >= 0 ? (scenario.flags[i + 1] as string) : '1';
  return value === 'auto' ? String(workersFor(scenario.connections, readEnvironment())) : value;
}

const PEER_CONNECTIONS = 10_000;
const PEER_INFLIGHT = 3000;
const CHURN_PEER_CONCURRENCY = 2000;
const CHURN_PEER_SECONDS = 5;

/**
 * The peers: net.Socket and bare-handle clients opening 10k and a bare-handle churn loop
 * (bench/benchPeer.mjs), and the same open and churn in C on epoll (bench/benchPeer.c), when
 * this machine has a C compiler.
 */
type PeerKind = 'net' | 'handle' | 'churn' | 'c-open' | 'c-churn';

const C_PEER = `${ROOT}bench/results/.benchPeer`;

/** Builds the C peer; returns false (the C peers are left out) when there is no working cc. */
function buildCPeer(): boolean {
  const built = spawnSync('cc', ['-O2', '-o', C_PEER, `${ROOT}bench/benchPeer.c`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (built.status === 0) return true;
  process.stderr.write(
    `bench: no C peer (cc ${built.error ? 'not found' : `failed: ${built.stderr.toString().trim()}`})\n`,
  );
  return false;
}

/** Runs a peer client once; returns its time to N in milliseconds (open) or its connections per second (churn). */
async function runPeer(target: HoldServer, kind: PeerKind): Promise<number> {
  const churn = kind === 'churn' || kind === 'c-churn';
  const sizes = churn ? [CHURN_PEER_CONCURRENCY, CHURN_PEER_SECONDS] : [PEER_CONNECTIONS, PEER_INFLIGHT];
  const [command, mode] =
    kind === 'c-open' ? [C_PEER, 'open'] : kind === 'c-churn' ? [C_PEER, 'churn'] : [process.execPath, kind];
  const args = [
    ...(command === C_PEER ? [] : [`${ROOT}bench/benchPeer.mjs`]),
    mode,
    target.ports.join(','),
    ...sizes.map(String),
  ];
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the ${kind} peer client failed (exit ${code})`);
  const reading = JSON.parse(out) as { ms?: number; perSec?: number };
  return (churn ? reading.perSec : reading.ms) as number;
}

function fmt(n: number | null, digits = 0): string {
  return n === null || !Number.isFinite(n)
    ? '-'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** `10s`, `10` or `0`: seconds as milliseconds (NaN when it is neither). */
function parseSeconds(word: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)s?$/.exec(word ?? '');
  return m ? Number(m[1]) * 1000 : Number.NaN;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runsAt = argv.indexOf('--runs');
  const runs = runsAt >= 0 ? Number(argv[runsAt + 1]) : 3;
  const minutesAt = argv.indexOf('--minutes');
  const minutes = minutesAt >= 0 ? Number(argv[minutesAt + 1]) : 60;
  const collectAt = argv.indexOf('--collect-every');
  const collectEveryMs = collectAt >= 0 ? parseSeconds(argv[collectAt + 1]) : SOAK_COLLECT_EVERY_MS;
  const engineAt = argv.indexOf('--engine');
  const engine = engineAt >= 0 ? argv[engineAt + 1] : undefined;
  const valued = new Set(['--runs', '--minutes', '--collect-every', '--engine']);
  const words = argv.filter((w, i) => !w.startsWith('--') && !valued.has(argv[i - 1] ?? ''));
  const soaks = SOAK_SCENARIOS.filter((s) => words.includes('soak') || words.includes(s.name));
  if (soaks.length > 0) return soak(soaks, minutes, collectEveryMs, engine);
  const chosen = SCENARIOS.filter((s) => words.length === 0 || words.includes(s.name));
  const withStartup = words.length === 0 || words.includes('startup');
  let startup: StartupResult[] = [];
  if (withStartup) {
    startup = benchStartup(BIN, runsAt >= 0 ? runs : 15);
    process.stdout.write(`${startupTable(startup)}\n\n`);
  }
  if (chosen.length === 0 && withStartup) {
    const file = `${ROOT}bench/results/startup-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    mkdirSync(`${ROOT}bench/results`, { recursive: true });
    writeFileSync(
      file,
      `${JSON.stringify({ node: process.version, cores: availableParallelism(), startup }, null, 2)}\n`,
    );
    process.stderr.write(`bench: results in ${file}\n`);
    return;
  }
  if (chosen.length === 0)
    throw new Error(
      `no scenario named ${words.join(' ')}; choose from startup, ${[...SCENARIOS, ...SOAK_SCENARIOS].map((s) => s.name).join(', ')}, soak`,
    );
  const fdSoft = readEnvironment().fdLimit?.soft ?? 1024;
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  const results: RunResult[] = [];
  const peers: Record<PeerKind, number[]> = { net: [], handle: [], churn: [], 'c-open': [], 'c-churn': [] };
  const withC = chosen.some((s) => s.name === '10k' || s.name === 'churn') && buildCPeer();
  // Both engines, when the native one is built here (npm install builds it); else the TypeScript one alone.
  const native = loadNativeEngine(ROOT);
  if (!native.ok) process.stderr.write(`bench: the native engine is left out: ${native.why}\n`);
  const engines: Engine[] = native.ok ? ['native', 'js'] : ['js'];
  const targetWorkers: Record<string, number> = {};
  for (const scenario of chosen) {
    const workers = targetWorkersFor(scenario.connections, fdSoft);
    targetWorkers[scenario.name] = workers;
    const target = await startHoldServer({
      listeners: LISTENERS,
      workers,
      perWorkerCap: fdSoft - FD_RESERVE,
      echo: scenario.echo ?? false,
    });
    process.stderr.write(
      `bench: ${scenario.name}: hold target on ${target.addresses.length} loopback ports, ${workers} processes; ${availableParallelism()} cores\n`,
    );
    try {
      // The peers run right before the scenario they are compared with, on the same target.
      const kinds: PeerKind[] =
        scenario.name === '10k'
          ? ['net', 'handle', ...(withC ? ['c-open' as const] : [])]
          : scenario.name === 'churn'
            ? ['churn', ...(withC ? ['c-churn' as const] : [])]
            : [];
      // Each run: the peers, then each engine, on the same target, one after another.
      for (let run = 1; run <= runs; run++) {
        for (const kind of kinds) {
          peers[kind].push(await runPeer(target, kind));
          process.stderr.write(
            `${kind} peer run ${run}: ${kind.endsWith('churn') ? `${fmt(peers[kind].at(-1) as number)}/s` : `${fmt(peers[kind].at(-1) as number)} ms to ${PEER_CONNECTIONS}`}\n`,
          );
        }
        for (const engine of engines) {
          const r = await runScenario(scenario, run, target, engine);
          results.push(r);
          process.stderr.write(
            `${scenario.name} ${engine} run ${run}: ${fmt(r.established)} established${r.exact ? '' : ` (NOT exact: ${JSON.stringify(r.failures)})`}, ${fmt(r.establishedPerSec)}/s, time to N ${fmt(r.timeToAllMs)} ms, peak RSS ${fmt(r.peakRssBytes / 2 ** 20, 1)} MiB over ${r.processes} processes, ${fmt(r.rssPerConnectionBytes)} B/conn, CPU ${fmt(r.cpuSeconds, 2)} s\n`,
          );
        }
      }
    } finally {
      await target.close();
    }
  }
  const rows = chosen.flatMap((scenario) =>
    engines.map((engine) => {
      const of = results.filter((r) => r.scenario === scenario.name && r.engine === engine);
      const med = (pick: (r: RunResult) => number | null): number | null => {
        const values = of.map(pick).filter((v): v is number => v !== null && Number.isFinite(v));
        return values.length > 0 ? median(values) : null;
      };
      return {
        scenario,
        engine,
        of,
        perSec: med((r) => r.establishedPerSec),
        timeToAll: med((r) => r.timeToAllMs),
        peak: med((r) => r.peakRssBytes),
        perConn: med((r) => r.rssPerConnectionBytes),
        cpu: med((r) => r.cpuSeconds),
      };
    }),
  );
  const lines = [
    `| scenario | engine | runs | exact | established/s | time to N | peak RSS (all processes) | RSS per connection | CPU s | goal |`,
    `|---|---|---|---|---|---|---|---|---|---|`,
    ...rows.map(
      ({ scenario, engine, of, perSec, timeToAll, peak, perConn, cpu }) =>
        `| ${scenario.name} | ${engine} | ${of.length} | ${of.filter((r) => r.exact).length}/${of.length} | ${fmt(perSec)} | ${timeToAll === null ? '-' : `${fmt(timeToAll)} ms`} | ${fmt((peak ?? 0) / 2 ** 20, 1)} MiB | ${perConn === null ? '-' : `${fmt(perConn)} B`} | ${fmt(cpu, 2)} | ${scenario.goal} |`,
    ),
  ];
  const ours = (name: string, engine: Engine): number | null =>
    rows.find((r) => r.scenario.name === name && r.engine === engine)?.perSec ?? null;
  const ratio = (name: string, peer: number): string =>
    engines
      .map((engine) => {
        const mine = ours(name, engine);
        return mine ? `; goon-probe ${engine} / peer = ${(mine / peer).toFixed(2)}` : '';
      })
      .join('');
  const openPeers = {
    net: 'plain net.Socket client',
    handle: 'bare TCP handle client (tcp_wrap)',
    'c-open': 'C client on epoll, one thread',
  } as const;
  for (const [kind, what] of Object.entries(openPeers) as [keyof typeof openPeers, string][]) {
    if (peers[kind].length === 0) continue;
    const rate = (PEER_CONNECTIONS * 1000) / median(peers[kind]);
    lines.push(
      '',
      `peer: ${what}, same target, ${PEER_CONNECTIONS / 1000}k, ${PEER_INFLIGHT} in flight, ${peers[kind].length} runs: median ${fmt(rate)}/s${ratio('10k', rate)}`,
    );
  }
  const churnPeers = { churn: 'bare TCP handle churn loop', 'c-churn': 'C churn loop on epoll, one thread' } as const;
  for (const [kind, what] of Object.entries(churnPeers) as [keyof typeof churnPeers, string][]) {
    if (peers[kind].length === 0) continue;
    const rate = median(peers[kind]);
    lines.push(
      '',
      `peer: ${what} (connect, close, repeat), ${CHURN_PEER_CONCURRENCY} at once, ${CHURN_PEER_SECONDS} s, ${peers[kind].length} runs: median ${fmt(rate)}/s${ratio('churn', rate)}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const file = `${ROOT}bench/results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(
    file,
    `${JSON.stringify({ node: process.version, cores: availableParallelism(), startup, fdSoft, listeners: LISTENERS, targetWorkers, peer: { connections: PEER_CONNECTIONS, inflight: PEER_INFLIGHT, netMs: peers.net, handleMs: peers.handle, churnPerSec: peers.churn, cOpenMs: peers['c-open'], cChurnPerSec: peers['c-churn'] }, results, engines, medians: rows.map(({ scenario, of, ...m }) => ({ scenario: scenario.name, runs: of.length, ...m })) }, null, 2)}\n`,
  );
  process.stderr.write(`bench: results in ${file}\n`);
  if (results.some((r) => !r.exact)) process.exitCode = 1;
}

/** Runs soak scenarios one after another; prints their table and writes every reading to bench/results/. */
async function soak(
  scenarios: readonly SoakScenario[],
  minutes: number,
  collectEveryMs: number,
  engine?: string,
): Promise<void> {
  if (engine !== undefined && !['auto', 'native', 'js'].includes(engine))
    throw new Error(`--engine ${engine}: use auto, native or js (the prober's own --engine, passed on)`);
  if (!(minutes >= 2)) throw new Error('--minutes must be at least 2 (one minute of warm-up, then the judged part)');
  if (!(collectEveryMs >= 0))
    throw new Error('--collect-every takes seconds, such as 10s (or 0 to leave collections to the collector)');
  const fdSoft = readEnvironment().fdLimit?.soft ?? 1024;
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  const results: SoakResult[] = [];
  for (const scenario of scenarios) {
    const collecting =
      collectEveryMs > 0 ? `a full collection every ${collectEveryMs / 1000} s` : 'natural collections';
    process.stderr.write(`bench: ${scenario.name}: ${scenario.what}, ${minutes} min, ${collecting}\n`);
    const r = await runSoak(scenario, minutes, fdSoft, collectEveryMs, engine);
    results.push(r);
    process.stderr.write(
      `bench: ${scenario.name} (${r.engine} engine): exit ${r.exitCode}, ${r.outcome}; ${r.verdict}\n`,
    );
    if (r.recordFile) process.stderr.write(`bench: ${scenario.name}: its record is in ${r.recordFile}\n`);
  }
  process.stdout.write(`${soakTable(results)}\n`);
  const names = scenarios.length === SOAK_SCENARIOS.length ? 'soak' : scenarios.map((s) => s.name).join('+');
  const file = `${ROOT}bench/results/${names}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
  writeFileSync(
    file,
    `${JSON.stringify({ node: process.version, cores: availableParallelism(), fdSoft, minutes, collectEveryMs, results }, null, 2)}\n`,
  );
  process.stderr.write(`bench: results in ${file}\n`);
  if (results.some((r) => r.verdict !== 'flat')) process.exitCode = 1;
}

await main();
