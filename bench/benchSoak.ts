/**
 * `npm run bench -- soak`: endurance (issue 28). Each scenario runs the built CLI for --minutes
 * (60 by default) against a multi-process hold target on loopback, samples every process of the
 * prober (the coordinating process and each shard) every 30 s (shorter runs: 120 times) for its resident memory and its open
 * files, and judges each series with soakVerdict.ts: flat within 10% after the first minute, and no
 * climb in the last third, both read on the kept level (each reading's lowest over the five minutes
 * up to it, what is left after the collections; the raw range is shown beside it; open files by
 * their highest instead, since churn's dips are connections in flight). Each process
 * also writes its heap's used size after every full collection it runs by itself (soakHeapProbe.mjs,
 * loaded through NODE_OPTIONS): the table shows that series too, which tells a slow leak from a
 * long collector cycle where the resident size cannot.
 *
 *   npm run bench -- soak                   the four scenarios, one after another
 *   npm run bench -- soak-churn --minutes 10
 *
 * Scenarios may run at once in separate bench processes (each starts its own target); the figures
 * judged are memory and open files, which a busy CPU does not change.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FD_RESERVE } from '../src/probe/preflight.js';
import { startHoldServer } from '../src/servers/holdServer.js';
import {
  judgeSoak,
  type SoakJudgement,
  type SoakPoint,
  type SoakVerdict,
  soakVerdict,
  windowRange,
} from './soakVerdict.js';

const PAGE = 4096;
/** Readings every 30 s in an hour's soak; more often in a short one, so that every third has several. */
const sampleEveryMs = (minutes: number): number => Math.min(30_000, Math.max(1000, (minutes * 60_000) / 120));
const LISTENERS = 16;
/**
 * Every prober process runs a full collection this often (soakHeapProbe.mjs): the resident size
 * then shows what the process keeps, not where the collector's own cycle stands. `--collect-every 0`
 * leaves collections to the collector.
 */
export const SOAK_COLLECT_EVERY_MS = 10_000;

export interface SoakScenario {
  readonly name: string;
  readonly what: string;
  /** Connections the target must hold at most. */
  readonly connections: number;
  /** The target echoes what it is sent (heartbeats need a reply). */
  readonly echo?: boolean;
  /** The prober's flags for a run of `minutes`. */
  flags(minutes: number): string[];
}

export const SOAK_SCENARIOS: readonly SoakScenario[] = [
  {
    name: 'soak-churn',
    what: 'fixed mode, 3,000 connections each recycled every second, 2 shards',
    connections: 3000,
    flags: (m) => ['-c', '3000', '-s', '0', '--workers', '2', '--channel-lifetime', '1s', '-T', `${m}m`],
  },
  {
    name: 'soak-hold',
    what: 'fixed mode, 20,000 connections held with keepalive, 2 shards',
    connections: 20_000,
    flags: (m) => ['-c', '20000', '-s', '0', '--workers', '2', '--keepalive', '15s', '-T', `${m}m`],
  },
  {
    name: 'soak-ramp',
    what: 'ramp 2,000/s to 30,000, then --hold at that maximum, --workers auto',
    connections: 30_000,
    flags: (m) => [
      '--ramp',
      '2000/s',
      '--max-connections',
      '30000',
      '--hold',
      `${m}m`,
      '--workers',
      'auto',
      '--max-inflight',
      '3000',
    ],
  },
  // The objective is loose on purpose: this soak measures memory with heartbeats and objectives
  // running, and a busy machine must not end it (a round past the objective ends a --hold).
  {
    name: 'soak-heartbeat',
    what: 'ramp to 2,000, then --hold, each sending a heartbeat every second under --slo, 2 shards',
    connections: 2000,
    echo: true,
    flags: (m) => [
      '--ramp',
      '1000/s',
      '--max-connections',
      '2000',
      '--hold',
      `${m}m`,
      '--workers',
      '2',
      '--send',
      'ping\\n',
      '--expect',
      'ping',
      '--heartbeat',
      '1s',
      '--slo',
      'heartbeat p99 < 5s',
    ],
  },
];

/** One process's readings: its resident memory (bytes) and open files, over the run. */
export interface ProcessSeries {
  readonly role: string;
  readonly pid: number;
  readonly rss: SoakPoint[];
  readonly fds: SoakPoint[];
  /** The heap's used size after each full collection the process ran by itself (soakHeapProbe.mjs). */
  readonly heap: SoakPoint[];
  /** At the same moments: the young generation's committed size, and the memory outside the heap (not judged). */
  readonly youngCommitted?: SoakPoint[];
  readonly external?: SoakPoint[];
}

export interface SoakResult {
  readonly scenario: string;
  /** The engine the prober ran, from its record (`--engine` passed on, or what auto chose). */
  readonly engine?: string;
  readonly what: string;
  readonly minutes: number;
  /** How often every prober process ran a full collection (0: only when its collector chose to). */
  readonly collectEveryMs?: number;
  readonly command: string;
  readonly exitCode: number | null;
  /** The record's headline: what was held or established, and the failures. */
  readonly outcome: string;
  /** Where the whole record was kept: only for a run that did not exit 0. */
  readonly recordFile?: string;
  readonly processes: readonly ProcessSeries[];
  /** Resident memory summed over the prober's processes. */
  readonly total: readonly SoakPoint[];
  readonly judgements: Readonly<
    Record<string, { rss: SoakJudgement | null; fds: SoakJudgement | null; heap?: SoakJudgement | null }>
  >;
  readonly verdict: SoakVerdict;
}

function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The children of a process, from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readProc(`/proc/${entry}/stat`);
    if (!stat) continue;
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(entry));
  }
  return out.sort((a, b) => a - b);
}

/** What soakHeapProbe.mjs wrote after each full collection of a process (ms since the start). */
interface HeapLine {
  readonly at: number;
  readonly heapUsed: number;
  readonly committed?: Record<string, number>;
  readonly external?: number;
}

/** The heap after each full collection of a process, and the young generation's committed size and the memory outside the heap then. */
function heapAfterCollections(
  dir: string,
  pid: number,
  startedAtEpoch: number,
): { heap: SoakPoint[]; youngCommitted: SoakPoint[]; external: SoakPoint[] } {
  const lines = (readProc(join(dir, `${pid}.jsonl`)) ?? '')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as HeapLine);
  const at = (x: HeapLine): number => x.at - startedAtEpoch;
  return {
    heap: lines.map((x) => ({ atMs: at(x), value: x.heapUsed })),
    youngCommitted: lines.map((x) => ({ atMs: at(x), value: x.committed?.new_space ?? 0 })),
    external: lines.map((x) => ({ atMs: at(x), value: x.external ?? 0 })),
  };
}

function openFiles(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

function residentBytes(pid: number): number | null {
  const statm = readProc(`/proc/${pid}/statm`);
  return statm ? Number(statm.split(' ')[1]) * PAGE : null;
}

/** Runs one soak scenario for `minutes` and judges every process's series. */
export async function runSoak(
  scenario: SoakScenario,
  minutes: number,
  fdSoft: number,
  collectEveryMs = SOAK_COLLECT_EVERY_MS,
  engine?: string,
): Promise<SoakResult> {
  const target = await startHoldServer({
    listeners: LISTENERS,
    workers: Math.max(2, Math.ceil(scenario.connections / (fdSoft - FD_RESERVE))),
    perWorkerCap: fdSoft - FD_RESERVE,
    echo: scenario.echo ?? false,
  });
  const bin = new URL('../dist/bin.js', import.meta.url).pathname;
  const out = new URL(`./results/.${scenario.name}-${process.pid}.json`, import.meta.url).pathname;
  const flags = [...scenario.flags(minutes), ...(engine ? ['--engine', engine] : [])];
  const args = [...target.addresses, ...flags, '--json', out, '-q'];
  const command = `goon-probe <16 loopback ports> ${flags.join(' ')}`;
  const series = new Map<number, ProcessSeries>();
  const total: SoakPoint[] = [];
  try {
    const heapDir = mkdtempSync(join(tmpdir(), 'goon-probe-soak-heap-'));
    const probe = new URL('./soakHeapProbe.mjs', import.meta.url).pathname;
    const env = {
      ...process.env,
      GOON_SOAK_HEAP_DIR: heapDir,
      GOON_SOAK_COLLECT_MS: String(collectEveryMs),
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${probe}`.trim(),
    };
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'inherit'], env });
    const startedAt = performance.now();
    const startedAtEpoch = Date.now();
    const sample = (): void => {
      const root = child.pid;
      if (root === undefined) return;
      const atMs = Math.round(performance.now() - startedAt);
      let sum = 0;
      const shards = childrenOf(root);
      for (const [pid, role] of [
        [root, 'coordinator'] as const,
        ...shards.map((p, i) => [p, `shard ${i + 1}`] as const),
      ]) {
        const rss = residentBytes(pid);
        const fds = openFiles(pid);
        if (rss === null || fds === null) continue;
        let s = series.get(pid);
        if (!s) {
          s = { role, pid, rss: [], fds: [], heap: [] };
          series.set(pid, s);
        }
        s.rss.push({ atMs, value: rss });
        s.fds.push({ atMs, value: fds });
        sum += rss;
      }
      total.push({ atMs, value: sum });
    };
    const timer = setInterval(sample, sampleEveryMs(minutes));
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    clearInterval(timer);
    // biome-ignore lint/suspicious/noExplicitAny: a run record read back from the CLI's JSON, read loosely
    let record: Record<string, any> | null = null;
    try {
      record = JSON.parse(readFileSync(out, 'utf8'));
    } catch {}
    // A run that did not exit 0 keeps its whole record beside the results (not committed), to read
    // what failed and when; the soak's own file says only the headline.
    const kept = join(dirname(out), `record-${scenario.name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    const keepRecord = exitCode !== 0 && record !== null;
    if (keepRecord) renameSync(out, kept);
    else rmSync(out, { force: true });
    // Judged up to the planned end: after it the prober closes its connections and its shards exit.
    const endMs = minutes * 60_000;
    const processes = [...series.values()].map((p) => {
      const collected = heapAfterCollections(heapDir, p.pid, startedAtEpoch);
      const inTime = (points: SoakPoint[]): SoakPoint[] => points.filter((x) => x.atMs <= endMs);
      return {
        ...p,
        rss: inTime(p.rss),
        fds: inTime(p.fds),
        heap: inTime(collected.heap),
        youngCommitted: inTime(collected.youngCommitted),
        external: inTime(collected.external),
      };
    });
    rmSync(heapDir, { recursive: true, force: true });
    const judgedTotal = total.filter((x) => x.atMs <= endMs);
    const judgements: Record<
      string,
      { rss: SoakJudgement | null; fds: SoakJudgement | null; heap?: SoakJudgement | null }
    > = {
      total: { rss: judgeSoak(judgedTotal), fds: null },
    };
    // The heap after a full collection is already what the process keeps: judged as it is.
    for (const p of processes)
      judgements[p.role] = {
        rss: judgeSoak(p.rss),
        fds: judgeSoak(p.fds, undefined, undefined, 'high'),
        heap: judgeSoak(p.heap, undefined, 0),
      };
    const verdict = soakVerdict(judgements);
    return {
      scenario: scenario.name,
      engine: record?.config?.engine?.name ?? 'unknown',
      what: scenario.what,
      minutes,
      collectEveryMs,
      command,
      exitCode,
      outcome: outcomeOf(record),
      ...(keepRecord ? { recordFile: kept } : {}),
      processes,
      total: judgedTotal,
      judgements,
      verdict,
    };
  } finally {
    await target.close();
  }
}

// biome-ignore lint/suspicious/noExplicitAny: a run record read back from the CLI's JSON, read loosely
function outcomeOf(record: Record<string, any> | null): string {
  if (!record) return 'no record';
  const r = record.result;
  const failures = Object.entries(r.failures ?? {})
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  const head =
    r.mode === 'ramp'
      ? `maximum ${r.maximum ?? r.maxSustainable ?? '?'} held`
      : `${r.totalEstablished} established, ${r.status?.established} open at the end`;
  return `${head}; failures: ${failures || 'none'}`;
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

/** Returns a Markdown table of the soaks: per process, the first and last ten minutes, the range, and the verdict. */
export function soakTable(results: readonly SoakResult[]): string {
  const lines = [
    '| scenario | process | RSS first 10 min | RSS last 10 min | range after 1 min | kept level (5-min low) | its last-third rise | open files (range; 5-min highs, last-third rise) | verdict | heap after full GCs (n, range, last-third rise) |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const rows: [string, readonly SoakPoint[], readonly SoakPoint[] | null, readonly SoakPoint[]][] = [
      ['all processes', r.total, null, []],
      ...r.processes.map((p): [string, SoakPoint[], SoakPoint[], SoakPoint[]] => [p.role, p.rss, p.fds, p.heap ?? []]),
    ];
    for (const [role, rss, fds, heap] of rows) {
      const h = judgeSoak(heap, undefined, 0);
      const heapCell =
        heap.length === 0
          ? '-'
          : h
            ? `${h.points}, ${mib(h.low)}–${mib(h.high)} MiB (${(h.spread * 100).toFixed(1)}%), ${(h.lastThirdRise * 100).toFixed(1)}%`
            : `${heap.length}: too few to judge`;
      const j = judgeSoak(rss);
      const first = windowRange(rss, 'first', 10 * 60_000);
      const last = windowRange(rss, 'last', 10 * 60_000);
      const span = (w: { low: number; high: number } | null): string => (w ? `${mib(w.low)}–${mib(w.high)} MiB` : '-');
      const f = fds && judgeSoak(fds, undefined, undefined, 'high');
      lines.push(
        `| ${r.scenario}${r.engine ? ` (${r.engine})` : ''} | ${role} | ${span(first)} | ${span(last)} | ${j ? `${mib(j.low)}–${mib(j.high)} MiB (${(j.spread * 100).toFixed(1)}%)` : '-'} | ${j ? `${mib(j.keptLow)}–${mib(j.keptHigh)} MiB (${(j.keptSpread * 100).toFixed(1)}%)` : '-'} | ${j ? `${(j.lastThirdRise * 100).toFixed(1)}%` : '-'} | ${f ? `${f.low}–${f.high} (highs ${f.keptLow}–${f.keptHigh}, ${(f.lastThirdRise * 100).toFixed(1)}%)` : '-'} | ${j ? (j.flat && !j.climbing && (!f || (f.flat && !f.climbing)) ? 'flat' : 'NOT flat') : 'too short'} | ${heapCell} |`,
      );
    }
  }
  return lines.join('\n');
}
