import { denied, MORE, mismatch, type Judgement, type Protocol, printable, SERVED } from './protocol.js';

/** The AMQP 0-9-1 protocol header a client opens with. */
const HEADER = Buffer.from('AMQP\x00\x00\x09\x01', 'latin1');
/** Frames larger than this are not read (Connection.Start is under a kilobyte with RabbitMQ's properties). */
const MAX_FRAME = 3072;

/**
 * Judges the broker's first frame: Connection.Start (class 10, method 10) is served;
 * Connection.Close (10, 50) is its refusal, with its reply code and text. A protocol header back
 * means the broker speaks another AMQP version.
 */
function judgeStart(received: Buffer): Judgement {
  if (received.length >= 4 && received.toString('latin1', 0, 4) === 'AMQP')
    return mismatch(
      `the broker wants another AMQP version (${[...received.subarray(4, 8)].join('-')}); this tool speaks 0-9-1`,
    );
  if (received.length < 7) return MORE;
  const type = received[0] as number;
  const size = received.readUInt32BE(3);
  if (type !== 1 || size > MAX_FRAME) return mismatch(`not an AMQP method frame (type ${type}, size ${size})`);
  if (received.length < 7 + size + 1) return MORE;
  if (received[7 + size] !== 0xce) return mismatch('an AMQP frame without its end byte');
  const classId = received.readUInt16BE(7);
  const methodId = received.readUInt16BE(9);
  if (classId === 10 && methodId === 10) return SERVED;
  if (classId === 10 && methodId === 50 && size >= 7) {
    const code = received.readUInt16BE(11);
    const textLength = received[13] as number;
    return denied(printable(`${code} ${received.toString('utf8', 14, Math.min(14 + textLength, 7 + size))}`));
  }
  return mismatch(`AMQP method ${classId}.${methodId} where Connection.Start was expected`);
}

export const amqp: Protocol = {
  name: 'AMQP',
  schemes: ['amqp'],
  tlsSchemes: ['amqps'],
  defaultPort: 5672,
  defaultTlsPort: 5671,
  served: 'the protocol header answered by Connection.Start',
  limitSetting:
    "the broker's connection limit (RabbitMQ connection_max in rabbitmq.conf, and its file-descriptor limit)",
  open: { send: () => HEADER, judge: judgeStart },
  heartbeat: { none: 'AMQP has no heartbeat before its handshake completes, and this tool does not log in' },
};
