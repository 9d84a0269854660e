import { denied, MORE, mismatch, type Judgement, type Protocol, type ProtocolParams, SERVED } from './protocol.js';

/** Returns MQTT's variable-length "remaining length". */
function varint(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    bytes.push(b);
  } while (n > 0);
  return Buffer.from(bytes);
}

const str = (s: string): Buffer => {
  const b = Buffer.from(s, 'utf8');
  const head = Buffer.alloc(2);
  head.writeUInt16BE(b.length);
  return Buffer.concat([head, b]);
};

/**
 * Returns a CONNECT packet: clean session, no keep-alive timeout (the prober's heartbeat is its
 * own), and an empty client id, which asks the broker to assign a unique one: two connections with
 * one id would make the broker drop the older.
 */
function connect(p: ProtocolParams): Buffer {
  const v5 = p.version === '5';
  let flags = 0x02;
  if (p.user !== undefined) flags |= 0x80;
  if (p.password !== undefined) flags |= 0x40;
  const variable = Buffer.concat([
    str('MQTT'),
    Buffer.from([v5 ? 5 : 4, flags, 0, 0]),
    v5 ? Buffer.from([0]) : Buffer.alloc(0),
  ]);
  const payload = Buffer.concat([
    str(''),
    p.user !== undefined ? str(p.user) : Buffer.alloc(0),
    p.password !== undefined ? str(p.password) : Buffer.alloc(0),
  ]);
  return Buffer.concat([Buffer.from([0x10]), varint(variable.length + payload.length), variable, payload]);
}

const CODES_3: Readonly<Record<number, string>> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};
const CODES_5: Readonly<Record<number, string>> = {
  0x80: 'unspecified error',
  0x81: 'malformed packet',
  0x82: 'protocol error',
  0x83: 'implementation specific error',
  0x84: 'unsupported protocol version',
  0x85: 'client identifier not valid',
  0x86: 'bad user name or password',
  0x87: 'not authorized',
  0x88: 'server unavailable',
  0x89: 'server busy',
  0x8a: 'banned',
  0x8c: 'bad authentication method',
  0x95: 'packet too large',
  0x97: 'quota exceeded',
  0x9f: 'connection rate exceeded',
};

/** Reads one packet's type and body from the start of `received`, or says why not. */
function packet(received: Buffer): { type: number; body: Buffer; size: number } | Judgement {
  if (received.length < 2) return MORE;
  let length = 0;
  let i = 1;
  for (let shift = 0; ; shift += 7, i++) {
    if (i > 4) return mismatch('an MQTT length field of more than 4 bytes');
    if (i >= received.length) return MORE;
    const b = received[i] as number;
    length += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  if (length > 1024) return mismatch(`an MQTT packet of ${length} bytes, where a CONNACK was expected`);
  if (received.length < i + 1 + length) return MORE;
  return { type: (received[0] as number) >> 4, body: received.subarray(i + 1, i + 1 + length), size: i + 1 + length };
}

/** Judges the CONNACK: return code (3.1.1) or reason code (5) 0 is served; any other is the broker's refusal, named. */
function judgeConnack(received: Buffer, p: ProtocolParams): Judgement {
  const read = packet(received);
  if ('kind' in read) return read;
  if (read.type !== 2 || read.body.length < 2)
    return mismatch(`an MQTT packet of type ${read.type} where a CONNACK was expected`);
  const code = read.body[1] as number;
  if (code === 0) return SERVED;
  const name = (p.version === '5' ? CODES_5 : CODES_3)[code];
  return denied(`CONNACK ${code}${name ? ` (${name})` : ''}`);
}

/** Judges the reply to PINGREQ: PINGRESP is served; other packets the broker sends meanwhile are skipped. */
function judgePingresp(received: Buffer): Judgement {
  let rest = received;
  for (;;) {
    const read = packet(rest);
    if ('kind' in read) return read;
    if (read.type === 13) return SERVED;
    if (read.type === 14) return denied('DISCONNECT');
    rest = rest.subarray(read.size);
  }
}

export const mqtt: Protocol = {
  name: 'MQTT',
  schemes: ['mqtt'],
  tlsSchemes: ['mqtts'],
  defaultPort: 1883,
  defaultTlsPort: 8883,
  served: 'CONNACK with return code 0 (3.1.1) or reason code 0 (5, `?version=5`)',
  limitSetting:
    "the broker's max_connections (mosquitto.conf max_connections, per listener; EMQX and HiveMQ connection limits)",
  open: { send: connect, judge: judgeConnack },
  heartbeat: { send: () => Buffer.from([0xc0, 0]), judge: judgePingresp },
};
