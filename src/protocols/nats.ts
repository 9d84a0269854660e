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

/** The server's INFO line carries its whole configuration; allow for it. */
const MAX_LINE = 3072;

/**
 * Judges NATS replies to `CONNECT` + `PING`: `PONG` is served. The `INFO` banner every client gets
 * first is no service; `-ERR '…'` (`'maximum connections exceeded'`) is the server's refusal.
 */
function judgePong(received: Buffer): Judgement {
  const { lines, overlong } = completeLines(received, MAX_LINE);
  for (const line of lines) {
    if (line === 'PONG') return SERVED;
    if (line.startsWith('-ERR'))
      return denied(
        printable(
          line
            .slice(4)
            .trim()
            .replace(/^'(.*)'$/, '$1'),
        ),
      );
    if (line.startsWith('INFO ') || line === '+OK' || line === 'PING') continue;
    return mismatch(`not a NATS reply: ${JSON.stringify(printable(line, 60))}`);
  }
  return overlong ? mismatch(`a line longer than ${MAX_LINE} bytes`) : MORE;
}

function hello(p: ProtocolParams): Buffer {
  const auth =
    p.password !== undefined && p.user
      ? { user: p.user, pass: p.password }
      : p.user && p.password === undefined
        ? { auth_token: p.user }
        : {};
  const connect = { verbose: false, pedantic: false, name: 'goon-probe', lang: 'goon-probe', protocol: 0, ...auth };
  return Buffer.from(`CONNECT ${JSON.stringify(connect)}\r\nPING\r\n`);
}

export const nats: Protocol = {
  name: 'NATS',
  schemes: ['nats'],
  tlsSchemes: [],
  defaultPort: 4222,
  served: '`CONNECT` and `PING` answered `PONG` (the `INFO` banner alone is not service)',
  limitSetting: 'nats-server max_connections (its configuration file; 64K by default)',
  open: { send: hello, judge: judgePong },
  heartbeat: { send: () => Buffer.from('PING\r\n'), judge: judgePong },
  answer: answerPings,
};

/** Answers each `PING` line the server sends (every 2 minutes by default; two unanswered close the connection). */
function answerPings(chunk: Buffer): Buffer | null {
  // Called on every chunk a connection receives: look for the bytes before making any text.
  if (chunk.indexOf('PING\r\n') < 0) return null;
  const pings = chunk.toString('latin1').match(/(?<=^|\n)PING\r\n/g)?.length ?? 0;
  return pings === 0 ? null : Buffer.from('PONG\r\n'.repeat(pings));
}
