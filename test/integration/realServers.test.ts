import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnoseResult } from '../../src/probe/diagnose.js';
import { rampAgainst } from '../helpers/ramp.js';
import { startLighttpd, startRedis, withReal } from '../helpers/realServers.js';

const L = 150;

// Each on both engines (issue 27): the same exact maximum and the same words in the diagnosis.
for (const engine of ['native', 'js'] as const) {
  test(`${engine}: redis-server --maxclients ${L}, open only: exactly ${L}, accepted-then-closed with Redis's words`, async () => {
    await withReal(startRedis(L), async (redis) => {
      const r = await rampAgainst(redis.address, { ramp: '300/s', settle: '300ms', engine });
      assert.equal([r.maximum, r.verdict], [L, 'limit-found']);
      assert.match(
        diagnoseResult(r).cause,
        new RegExp(
          `past ${L} connections the target accepts, then closes, saying "-ERR max number of clients reached"`,
        ),
      );
    });
  });

  test(`${engine}: redis-server --maxclients ${L}, PING/+PONG verified: exactly ${L}`, async () => {
    await withReal(startRedis(L), async (redis) => {
      const r = await rampAgainst(redis.address, {
        ramp: '300/s',
        settle: '300ms',
        send: 'PING\\r\\n',
        expect: '+PONG',
        engine,
      });
      assert.equal([r.maximum, r.verdict], [L, 'limit-found']);
      assert.ok((r.failures['verify-mismatch'] ?? 0) > 0, 'the error line is not +PONG');
      assert.match(
        diagnoseResult(r).cause,
        /saying "-ERR max number of clients reached": an application connection limit/,
      );
    });
  });

  test(`${engine}: lighttpd server.max-connections ${L}, HTTP verified: exactly ${L}; the rest wait unserved in the accept queue`, async () => {
    await withReal(startLighttpd(L), async (http) => {
      const r = await rampAgainst(http.address, {
        ramp: '300/s',
        settle: '300ms',
        engine,
        send: 'GET /index.html HTTP/1.1\\r\\nHost: test\\r\\n\\r\\n',
        expect: 'HTTP/1.1 200',
        expectTimeout: '1s',
      });
      assert.equal([r.maximum, r.verdict], [L, 'limit-found']);
      assert.match(
        diagnoseResult(r).cause,
        new RegExp(`past ${L} connections new ones open but are never served: the application stopped accepting`),
      );
    });
  });
}

test('lighttpd without --expect: queued connections look served, above the limit, and the report warns', async () => {
  await withReal(startLighttpd(L), async (http) => {
    const r = await rampAgainst(http.address, { ramp: '300/s', settle: '300ms', maxConnections: String(L * 2) });
    assert.ok(r.maximum > L, `the accept queue inflates the count: ${r.maximum}`);
    assert.match(r.warnings.join(' '), /cannot be told from served ones/);
  });
});

test.run();
