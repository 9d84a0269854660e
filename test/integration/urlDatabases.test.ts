// Issue 25: URL targets against the real servers, each at a limit it is configured with. The URL
// alone says what to send and what counts as served; the refusal is read in the server's words.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnoseResult } from '../../src/probe/diagnose.js';
import { rampAgainst, whatItSaw } from '../helpers/ramp.js';
import { startMariadb, startPostgres, startRedis, startSshd, withReal } from '../helpers/realServers.js';

const FAST = { ramp: '200/s', settle: '300ms', maxDuration: '20s' };
const url = (scheme: string, address: string, rest = ''): string => `${scheme}://${address}${rest}`;

test('redis:// (maxclients 40): exactly 40, "-ERR max number of clients reached" named; PING heartbeats answered', async () => {
  await withReal(startRedis(40), async (redis) => {
    const r = await rampAgainst(url('redis', redis.address), { ...FAST, heartbeat: '200ms' });
    assert.equal([r.maximum, r.verdict, r.exitCode], [40, 'limit-found', 0], whatItSaw(r));
    assert.is(r.evidence.denied?.message, 'ERR max number of clients reached');
    assert.ok((r.heartbeatsAnswered ?? 0) > 0, 'PING heartbeats were answered +PONG');
    const d = diagnoseResult(r);
    assert.match(d.cause, /^past 40 connections Redis refuses new ones, saying "ERR max number of clients reached"/);
    assert.match(d.lookAt[0] as string, /Redis maxclients/);
  });
});

test('postgres:// (max_connections 20): exactly 20, "53300 sorry, too many clients already" named; Sync heartbeats', async () => {
  await withReal(startPostgres(20), async (pg) => {
    const r = await rampAgainst(url('postgres', pg.address, '/postgres'), { ...FAST, heartbeat: '200ms' });
    assert.equal([r.maximum, r.verdict, r.exitCode], [20, 'limit-found', 0], whatItSaw(r));
    assert.is(r.evidence.denied?.message, '53300 sorry, too many clients already');
    assert.ok((r.heartbeatsAnswered ?? 0) > 0, 'Sync answered ReadyForQuery');
    assert.match(
      diagnoseResult(r).cause,
      /^past 20 connections PostgreSQL refuses new ones, saying "53300 sorry, too many clients already"/,
      `${diagnoseResult(r).cause}\n${whatItSaw(r)}`,
    );
    assert.match(diagnoseResult(r).lookAt[0] as string, /PostgreSQL max_connections/);
  });
});

test('mysql:// (MariaDB max_connections 20): exactly 21 (one kept for an administrator), "1040 Too many connections"', async () => {
  await withReal(startMariadb(20), async (db) => {
    const r = await rampAgainst(url('mysql', db.address), FAST);
    assert.equal([r.maximum, r.verdict, r.exitCode], [21, 'limit-found', 0], whatItSaw(r));
    assert.is(r.evidence.denied?.message, '1040 Too many connections');
    assert.match(
      diagnoseResult(r).cause,
      /^past 21 connections MySQL refuses new ones, saying "1040 Too many connections"/,
      `${diagnoseResult(r).cause}\n${whatItSaw(r)}`,
    );
  });
});

test('ssh:// (sshd MaxStartups 40): exactly 40, "Exceeded MaxStartups" named', async () => {
  await withReal(startSshd(40), async (sshd) => {
    const r = await rampAgainst(url('ssh', sshd.address), { ...FAST, ramp: '100/s' });
    assert.equal([r.maximum, r.verdict, r.exitCode], [40, 'limit-found', 0], whatItSaw(r));
    assert.match(diagnoseResult(r).cause, /past 40 connections .*Exceeded MaxStartups/, whatItSaw(r));
    assert.match(diagnoseResult(r).lookAt.join(' '), /MaxStartups/);
  });
});

test.run();
