import { fork, type ChildProcess } from 'node:child_process';
import { entryScript } from '../entryScript.js';
import type { FleetObservation, LiveCounts } from './fleetReading.js';
import type { FleetControl } from './fleetControl.js';
import { mergeObservations, type LostShard } from './mergeObservations.js';
import { shardRoutes } from '../net/routes.js';
import type { ShardCommand, ShardFleetOptions, ShardReply } from './shardProtocol.js';

/** How long a shard may take to start, or to answer a reading, before it counts as lost. */
const SHARD_TIMEOUT_MS = 60_000;

/**
 * V8 settings of a shard process: a small young generation. A shard's heap is mostly long-lived
 * sockets; with the default one, V8 keeps a heap after the dialing burst that is larger than the
 * sockets themselves. `--optimize-for-size` as well saved no memory and cost speed. The figures
 * behind both choices are in bench/results/ (`npm run bench -- 10k 100k`).
 */
export const SHARD_V8_FLAGS: readonly string[] = ['--max-semi-space-size=1'];

interface Shard {
  readonly index: number;
  readonly child: ChildProcess;
  /** Connections asked of it, to deal new ones to the least loaded. */
  asked: number;
  /** Connections it was told to shed: asked less shed is what it holds, to shed from the most loaded. */
  shed: number;
  last: FleetObservation | null;
  lost: LostShard | null;
  readonly waiting: Map<number, (reply: ShardReply | null) => void>;
  stopped: Promise<void>;
  /** Set once the shard has answered `stop`; its exit is then expected. */
  stopping: boolean;
}

/**
 * A fleet split across child processes (shards), each running a Fleet on its share of the routes,
 * driven through the same commands and read through the same observations as one Fleet. Counts
 * stay exact: readings are summed, and a shard that dies is reported (`shard-lost`) with the
 * connections it was running, never silently dropped.
 */
export class ShardedFleet implements FleetControl {
  private nextId = 0;

  private constructor(
    private readonly shards: readonly Shard[],
    private readonly now: () => number,
  ) {}

  /** Starts `count` shard processes and resolves once every one is ready. */
  static async start(
    options: ShardFleetOptions,
    count: number,
    now: () => number,
    v8Flags: readonly string[] = SHARD_V8_FLAGS,
  ): Promise<ShardedFleet> {
    const script = entryScript('shard');
    const shards: Shard[] = [];
    for (let index = 0; index < count; index++) {
      const child = fork(script, [], {
        serialization: 'advanced',
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        execArgv: [...process.execArgv, ...v8Flags],
      });
      shards.push({
        index,
        child,
        asked: 0,
        shed: 0,
        last: null,
        lost: null,
        waiting: new Map(),
        stopped: Promise.resolve(),
        stopping: false,
      });
    }
    const fleet = new ShardedFleet(shards, now);
    try {
      await Promise.all(
        shards.map((shard) =>
          fleet.wire(shard, { ...options, routes: shardRoutes(options.routes, shard.index, count) }),
        ),
      );
    } catch (err) {
      for (const shard of shards) shard.child.kill('SIGKILL');
      throw err;
    }
    return fleet;
  }

  /**
   * Readings asked of the shards and not answered yet: zero between readings. Every answered one is
   * let go at once; a run polls several times a second for hours, so one kept would add up.
   */
  get pendingReadings(): number {
    return this.shards.reduce((n, shard) => n + shard.waiting.size, 0);
  }

  /** The shards' process ids, in shard order. */
  get pids(): number[] {
    return this.shards.map((shard) => shard.child.pid ?? 0);
  }

  request(count: number): void {
    const live = this.shards.filter((shard) => !shard.lost);
    if (live.length === 0) return;
    // An even share each; the remainder to the shards asked for the fewest so far.
    const share = Math.floor(count / live.length);
    const extra = new Set([...live].sort((a, b) => a.asked - b.asked).slice(0, count % live.length));
    for (const shard of live) {
      const n = share + (extra.has(shard) ? 1 : 0);
      if (n === 0) continue;
      shard.asked += n;
      this.send(shard, { type: 'request', count: n });
    }
  }

  cancelQueued(): void {
    for (const shard of this.shards) this.send(shard, { type: 'cancel' });
  }

  /** Sheds from the shards that hold the most (asked less shed), one connection at a time, so that they stay even. */
  shed(count: number): void {
    const live = this.shards.filter((shard) => !shard.lost);
    if (live.length === 0 || count <= 0) return;
    const share = new Map(live.map((shard) => [shard, 0]));
    const load = (shard: Shard): number => shard.asked - shard.shed - (share.get(shard) ?? 0);
    for (let i = 0; i < count; i++) {
      const most = live.reduce((a, b) => (load(b) > load(a) ? b : a));
      share.set(most, (share.get(most) ?? 0) + 1);
    }
    for (const [shard, n] of share) {
      if (n === 0) continue;
      shard.shed += n;
      this.send(shard, { type: 'shed', count: n });
    }
  }

  async liveCounts(): Promise<Readonly<LiveCounts>> {
    const id = this.nextId++;
    const replies = await Promise.all(this.shards.map((shard) => this.ask(shard, { type: 'read', id, what: 'live' })));
    const live: LiveCounts = { queued: 0, dialing: 0, unverified: 0, settling: 0, held: 0 };
    for (const reply of replies) {
      if (reply?.type !== 'live') continue;
      for (const key of Object.keys(live) as (keyof LiveCounts)[]) live[key] += reply.live[key];
    }
    return live;
  }

  /** The newest open over every live shard, by this process's clock: a reply's age counted back from its arrival. */
  async lastOpenAtMs(): Promise<number | null> {
    const id = this.nextId++;
    const replies = await Promise.all(
      this.shards.map(async (shard) => ({
        reply: await this.ask(shard, { type: 'read', id, what: 'lastOpen' }),
        at: this.now(),
      })),
    );
    let newest: number | null = null;
    for (const { reply, at } of replies) {
      if (reply?.type !== 'lastOpen' || reply.agoMs === null) continue;
      newest = Math.max(newest ?? Number.NEGATIVE_INFINITY, at - reply.agoMs);
    }
    return newest;
  }

  /** Reads every live shard at once and merges the readings with those of lost shards. */
  async observe(): Promise<FleetObservation> {
    const id = this.nextId++;
    const replies = await Promise.all(
      this.shards.map((shard) => this.ask(shard, { type: 'read', id, what: 'observation' })),
    );
    const readings: FleetObservation[] = [];
    replies.forEach((reply, i) => {
      if (reply?.type !== 'observation') return;
      (this.shards[i] as Shard).last = reply.observation;
      readings.push(reply.observation);
    });
    const lost = this.shards.flatMap((shard) => (shard.lost ? [shard.lost] : []));
    return mergeObservations(this.now(), readings, lost);
  }

  /** Stops every shard (their connections closed) and resolves once all have exited. */
  async stop(): Promise<void> {
    for (const shard of this.shards) this.send(shard, { type: 'stop' });
    await Promise.all(
      this.shards.map(async (shard) => {
        const timer = setTimeout(() => shard.child.kill('SIGKILL'), SHARD_TIMEOUT_MS);
        await shard.stopped;
        clearTimeout(timer);
      }),
    );
  }

  /** Sends a reading request; resolves with the reply, or null when the shard is (or gets) lost. */
  private ask(shard: Shard, command: ShardCommand & { id: number }): Promise<ShardReply | null> {
    if (shard.lost) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        shard.waiting.delete(command.id);
        this.markLost(
          shard,
          `shard ${shard.index} (pid ${shard.child.pid}) did not answer within ${SHARD_TIMEOUT_MS / 1000}s`,
        );
        shard.child.kill('SIGKILL');
        resolve(null);
      }, SHARD_TIMEOUT_MS);
      shard.waiting.set(command.id, (reply) => {
        shard.waiting.delete(command.id);
        clearTimeout(timer);
        resolve(reply);
      });
      this.send(shard, command);
    });
  }

  /**
   * Sends a command. A shard can die between the check and the write (EPIPE): the callback takes
   * that error, so it marks the shard lost instead of becoming an unhandled 'error' event.
   */
  private send(shard: Shard, command: ShardCommand): void {
    if (shard.lost || !shard.child.connected) return;
    shard.child.send(command, (err) => {
      if (err && !shard.stopping)
        this.markLost(shard, `shard ${shard.index} (pid ${shard.child.pid}) could not be reached: ${err.message}`);
    });
  }

  /** Wires a shard's replies and exit, sends it its options, and resolves once it is ready. */
  private wire(shard: Shard, options: ShardFleetOptions): Promise<void> {
    const { child } = shard;
    child.on('error', (err) => {
      if (!shard.stopping) this.markLost(shard, `shard ${shard.index} (pid ${child.pid}) failed: ${err.message}`);
    });
    shard.stopped = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.on('message', (reply: ShardReply) => {
        if (reply.type === 'stopped') {
          shard.stopping = true;
          child.disconnect();
        }
      });
    });
    child.once('exit', (code, signal) => {
      if (shard.stopping) return;
      const exited = `shard ${shard.index} (pid ${child.pid}) exited ${signal ? `on ${signal}` : `with code ${code}`}`;
      // A write to a shard that has just died can fail (EPIPE) before its exit is seen: the exit is
      // the cause (SIGKILL: the OOM killer, or a person), so it replaces the symptom in the reason.
      if (shard.lost?.reason.includes(' could not be reached: ')) shard.lost = { ...shard.lost, reason: exited };
      else this.markLost(shard, exited);
    });
    child.on('message', (reply: ShardReply) => {
      if (reply.type !== 'ready' && reply.type !== 'stopped') shard.waiting.get(reply.id)?.(reply);
    });
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`shard ${shard.index} did not start within ${SHARD_TIMEOUT_MS / 1000}s`)),
        SHARD_TIMEOUT_MS,
      );
      child.once('exit', () => {
        clearTimeout(timer);
        reject(new Error(`shard ${shard.index} exited before it was ready`));
      });
      child.on('message', (reply: ShardReply) => {
        if (reply.type !== 'ready') return;
        clearTimeout(timer);
        resolve();
      });
      child.send({ type: 'start', options } satisfies ShardCommand, (err) => {
        if (err) reject(new Error(`shard ${shard.index} could not be started: ${err.message}`));
      });
    });
  }

  /** Marks a shard lost (once) and answers its pending readings with nothing. */
  private markLost(shard: Shard, reason: string): void {
    if (shard.lost) return;
    shard.lost = { reason, last: shard.last, asked: shard.asked };
    for (const answer of shard.waiting.values()) answer(null);
    shard.waiting.clear();
  }
}
