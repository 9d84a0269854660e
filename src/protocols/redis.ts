import {
  completeLines,
  denied,
  MORE,
  mismatch,
  type Judgement,
  type Protocol,
  type ProtocolParams,
  printable,
  SERVED,
} from './protocol.js';

/** Returns a command as a RESP array of bulk strings (safe for any bytes, spaces in a password included). */
function command(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** The longest reply line read before it counts as not Redis. */
const MAX_LINE = 1024;

/**
 * Judges Redis replies to `[AUTH …] PING`: `+PONG` is served; so is `-NOAUTH` (a password is
 * needed): the server has taken the client into its table. AUTH's own reply, accepted or not, is
 * skipped: the PING's decides. Any other error is the server's refusal, `-ERR max number of clients
 * reached` the usual one.
 */
function judgePing(received: Buffer): Judgement {
  const { lines, overlong } = completeLines(received, MAX_LINE);
  for (const line of lines) {
    if (line === '+PONG' || line.startsWith('-NOAUTH')) return SERVED;
    // AUTH's own reply, whatever it says: the PING's reply decides.
    if (line === '+OK' || /^-(WRONGPASS|ERR invalid (password|username)|ERR AUTH)/i.test(line)) continue;
    if (line.startsWith('-')) return denied(printable(line.slice(1)));
    return mismatch(`not a Redis reply: ${JSON.stringify(printable(line, 60))}`);
  }
  return overlong ? mismatch(`a reply line longer than ${MAX_LINE} bytes`) : MORE;
}

function hello(p: ProtocolParams): Buffer {
  const auth =
    p.password === undefined ? '' : p.user ? command('AUTH', p.user, p.password) : command('AUTH', p.password);
  return Buffer.from(`${auth}${command('PING')}`);
}

export const redis: Protocol = {
  name: 'Redis',
  schemes: ['redis'],
  tlsSchemes: ['rediss'],
  defaultPort: 6379,
  served: '`PING` answered `+PONG`, or `-NOAUTH` (the server took the client into its table)',
  limitSetting: 'Redis maxclients (redis.conf; Redis lowers it to fit its own open-file limit)',
  open: { send: hello, judge: judgePing },
  heartbeat: { send: () => Buffer.from(command('PING')), judge: judgePing },
};
