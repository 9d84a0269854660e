import { denied, MORE, mismatch, type Judgement, type Protocol, printable, SERVED } from './protocol.js';

/** A first packet longer than this is not read (a handshake is about 100 bytes). */
const MAX_PACKET = 2048;

/**
 * Judges the server's first packet: a handshake (protocol 10) is served; an ERR packet (0xff) is its
 * refusal, with its error code and message (`1040 Too many connections`).
 */
function judgeHandshake(received: Buffer): Judgement {
  if (received.length < 4) return MORE;
  const length = received.readUIntLE(0, 3);
  if (length === 0 || length > MAX_PACKET) return mismatch(`not a MySQL packet (length ${length})`);
  if (received.length < 4 + length) return MORE;
  const payload = received.subarray(4, 4 + length);
  if (payload[0] === 0x0a) return SERVED;
  if (payload[0] === 0xff && payload.length >= 3) {
    const code = payload.readUInt16LE(1);
    const message = payload[3] === 0x23 ? payload.subarray(9) : payload.subarray(3);
    return denied(printable(`${code} ${message.toString('utf8')}`));
  }
  return mismatch(`a MySQL packet that is neither a handshake nor an error (0x${(payload[0] as number).toString(16)})`);
}

export const mysql: Protocol = {
  name: 'MySQL',
  schemes: ['mysql', 'mariadb'],
  tlsSchemes: [],
  defaultPort: 3306,
  served: "the server's handshake packet (protocol 10)",
  limitSetting:
    'MySQL/MariaDB max_connections (my.cnf [mysqld]; one more is kept for an administrator), and open_files_limit',
  open: { send: () => Buffer.alloc(0), judge: judgeHandshake },
  heartbeat: { none: 'MySQL has no request a client can send before it authenticates, and this tool does not log in' },
};
