import { randomBytes } from 'node:crypto';
import { httpRequest, isJudgement, readHead } from './http.js';
import {
  denied,
  MORE,
  mismatch,
  type Judgement,
  type Protocol,
  type ProtocolParams,
  printable,
  SERVED,
} from './protocol.js';

/** Server frames larger than this are not read (a pong is tiny). */
const MAX_FRAME = 2048;

function upgrade(p: ProtocolParams): Buffer {
  return Buffer.from(
    httpRequest(p, [
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
    ]),
  );
}

/** Judges the upgrade's response: `101 Switching Protocols` is served; any other status is the server's refusal. */
function judgeUpgrade(received: Buffer): Judgement {
  const head = readHead(received);
  if (head === null) return MORE;
  if (isJudgement(head)) return head;
  return head.status === 101 ? SERVED : denied(`HTTP ${head.status} ${printable(head.reason, 60)}`.trim());
}

/** A ping frame from the client: FIN + opcode 9, masked (as every client frame must be), no payload. */
function ping(): Buffer {
  return Buffer.concat([Buffer.from([0x89, 0x80]), randomBytes(4)]);
}

/**
 * Judges server frames after a ping: a pong (opcode 10) is served; a close frame (opcode 8) is the
 * server's refusal, with its code and reason; messages the server pushes meanwhile are skipped.
 */
function judgePong(received: Buffer): Judgement {
  let at = 0;
  while (received.length - at >= 2) {
    const opcode = (received[at] as number) & 0x0f;
    const short = (received[at + 1] as number) & 0x7f;
    const headLength = 2 + (short === 126 ? 2 : short === 127 ? 8 : 0);
    if (received.length - at < headLength) return MORE;
    const length =
      short === 126 ? received.readUInt16BE(at + 2) : short === 127 ? Number(received.readBigUInt64BE(at + 2)) : short;
    if (length > MAX_FRAME) return mismatch(`a WebSocket frame of ${length} bytes (at most ${MAX_FRAME} are read)`);
    if (received.length - at < headLength + length) return MORE;
    const payload = received.subarray(at + headLength, at + headLength + length);
    if (opcode === 0xa) return SERVED;
    if (opcode === 0x8)
      return denied(
        `close ${payload.length >= 2 ? payload.readUInt16BE(0) : ''} ${printable(payload.subarray(2).toString('utf8'), 80)}`.trim(),
      );
    at += headLength + length;
  }
  return MORE;
}

export const websocket: Protocol = {
  name: 'WebSocket',
  schemes: ['ws'],
  tlsSchemes: ['wss'],
  defaultPort: 80,
  defaultTlsPort: 443,
  served: '`101 Switching Protocols`',
  limitSetting:
    "the server's connection limit (its WebSocket server's maximum, and the proxy's: nginx worker_connections, HAProxy maxconn)",
  open: { send: upgrade, judge: judgeUpgrade },
  heartbeat: { send: ping, judge: judgePong },
  answer: answerPing,
};

/**
 * Answers a ping frame the server sends (opcode 9, unmasked, at most 125 bytes of payload, whole in
 * the chunk) with a pong carrying the same payload, masked as every client frame must be.
 */
function answerPing(chunk: Buffer): Buffer | null {
  if (chunk.length < 2 || ((chunk[0] as number) & 0x0f) !== 0x9) return null;
  const length = (chunk[1] as number) & 0x7f;
  if (length > 125 || chunk.length < 2 + length) return null;
  const mask = randomBytes(4);
  const payload = Buffer.from(chunk.subarray(2, 2 + length));
  for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
  return Buffer.concat([Buffer.from([0x8a, 0x80 | length]), mask, payload]);
}
