/**
 * A shard: a child process that runs one Fleet for the parent's ShardedFleet (the open-file limit
 * is per process, so several shards hold more connections than one process can). It only turns
 * commands into Fleet calls and readings into replies; it exits when its parent goes away.
 */
import { systemClock } from '../clock.js';
import { reviveMatcher } from '../fleet/expectMatcher.js';
import type { LocalFleet } from '../fleet/fleetControl.js';
import { localFleet } from '../fleet/localFleet.js';
import type { ShardCommand, ShardFleetOptions, ShardReply } from '../fleet/shardProtocol.js';

runShard(process.send?.bind(process) as ((reply: ShardReply) => boolean) | undefined);

function runShard(send: ((reply: ShardReply) => boolean) | undefined): void {
  if (!send) {
    process.stderr.write('goon-probe: shard.js is started by goon-probe --workers, not by hand\n');
    process.exit(1);
  }
  let fleet: LocalFleet | null = null;
  process.on('disconnect', () => process.exit(0));
  process.on('message', (command: ShardCommand) => {
    switch (command.type) {
      case 'start':
        fleet = localFleet({ ...withBuffers(command.options), now: systemClock.now }, command.options.engine ?? 'js');
        send({ type: 'ready' });
        return;
      case 'request':
        fleet?.request(command.count);
        return;
      case 'cancel':
        fleet?.cancelQueued();
        return;
      case 'shed':
        fleet?.shedNewest(command.count);
        return;
      case 'read':
        // One I/O turn first, so that a close already in the kernel is not read as held (probe.ts).
        setImmediate(() => {
          if (!fleet) return;
          if (command.what === 'observation')
            send({ type: 'observation', id: command.id, observation: fleet.observe() });
          else if (command.what === 'live') send({ type: 'live', id: command.id, live: { ...fleet.liveCounts() } });
          else {
            const last = fleet.lastOpenAt();
            send({ type: 'lastOpen', id: command.id, agoMs: last === null ? null : systemClock.now() - last });
          }
        });
        return;
      case 'stop':
        void (fleet?.stop() ?? Promise.resolve()).then(() => send({ type: 'stopped' }));
        return;
    }
  });
}

/** Returns the options with the byte fields as Buffers again (structured clone delivers Uint8Arrays) and --expect compiled. */
function withBuffers(options: ShardFleetOptions): ShardFleetOptions {
  // A compiled regex does not survive the structured clone: compile it again from its source.
  const expect = options.expect && reviveMatcher(options.expect);
  const buffer = (bytes: Buffer | undefined): Buffer | undefined => bytes && Buffer.from(bytes);
  let transport = options.transport;
  if (transport?.kind === 'tls') transport = { ...transport, tls: { ...transport.tls, ca: buffer(transport.tls.ca) } };
  else if (transport?.kind === 'websocket' && transport.tls)
    transport = { ...transport, tls: { ...transport.tls, ca: buffer(transport.tls.ca) } };
  return {
    ...options,
    send: buffer(options.send),
    message: buffer(options.message),
    latencyMarker: buffer(options.latencyMarker),
    transport,
    expect,
    heartbeat: options.heartbeat && {
      everyMs: options.heartbeat.everyMs,
      bytes: Buffer.from(options.heartbeat.bytes),
      expect: reviveMatcher(options.heartbeat.expect),
    },
  };
}
