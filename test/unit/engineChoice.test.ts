// Which engine a run gets (issue 27): the native one where it covers the run and loads, the
// TypeScript one otherwise, always with the reason.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chooseEngine, nativeGap } from '../../src/fleet/engineChoice.js';
import type { NativeAddon } from '../../src/fleet/nativeEngine.js';
import { addonCandidates } from '../../src/fleet/nativeEngine.js';

const loaded = { ok: true as const, addon: {} as NativeAddon, from: 'prebuild' as const };
const missing = { ok: false as const, why: 'no native engine is built for linux-arm64' };

test('nativeGap: plain TCP, with --send and a literal --expect, is covered; each other need is named by its flag', () => {
  assert.is(nativeGap({ transport: { kind: 'tcp' } }), null);
  assert.is(nativeGap({}), null);
  const matcher = { kind: 'bytes', bytes: Buffer.from('x'), source: 'x' } as never;
  assert.is(nativeGap({ send: Buffer.from('PING'), expect: matcher }), null);
  assert.is(
    nativeGap({ message: Buffer.from('m'), messageRatePerSec: 10, latencyMarker: Buffer.from('m'), expect: matcher }),
    null,
  );
  const cases: Array<[Parameters<typeof nativeGap>[0], string]> = [
    [{ expect: { kind: 'regex', regex: {}, source: '/x+/' } as never }, '--expect /regex/'],
    [{ expect: { kind: 'protocol', protocol: 'Redis', source: '' } as never }, 'a URL target (its protocol)'],
    [{ connectRatePerSec: 100 }, '--connect-rate'],
    [{ leanSockets: false }, '--no-lean-sockets'],
    [{ transport: { kind: 'tls', tls: {} } as never }, '--tls'],
    [{ transport: { kind: 'websocket', path: '/' } as never }, '--websocket'],
    [{ heartbeat: { everyMs: 1000, bytes: Buffer.from('p'), expect: matcher } }, '--heartbeat'],
  ];
  for (const [needs, flag] of cases) assert.is(nativeGap(needs), flag, JSON.stringify(Object.keys(needs)));
});

test('chooseEngine: auto runs the C engine wherever it covers the run and loads, the TypeScript one otherwise, and says why', () => {
  assert.equal(chooseEngine('auto', null, loaded), {
    engine: 'native',
    why: 'auto: the C engine on epoll (prebuild)',
  });
  assert.equal(chooseEngine('auto', '--heartbeat', loaded), {
    engine: 'js',
    why: '--heartbeat needs the TypeScript engine',
  });
  assert.equal(chooseEngine('auto', null, missing), {
    engine: 'js',
    why: 'the native engine is not available: no native engine is built for linux-arm64',
  });
  assert.equal(chooseEngine('js', null, loaded), { engine: 'js', why: '--engine js' });
});

test('chooseEngine: --engine native that cannot be honoured is an error naming the fix, never a silent fallback', () => {
  assert.match(
    chooseEngine('native', '--tls', loaded) as string,
    /^--engine native covers plain TCP with --send, a literal --expect and --message; --tls needs the TypeScript engine/,
  );
  assert.match(
    chooseEngine('native', null, missing) as string,
    /^--engine native: no native engine is built for linux-arm64; run npm run build:native/,
  );
  assert.equal(chooseEngine('native', null, loaded), {
    engine: 'native',
    why: '--engine native: the C engine on epoll (prebuild)',
  });
});

test('the addon is looked for in the checkout build first, then the prebuild for this platform', () => {
  assert.equal(addonCandidates('/pkg/', 'linux', 'arm64'), [
    { path: '/pkg/build/native/goon-probe-engine.node', from: 'local build' },
    { path: '/pkg/prebuilds/linux-arm64/goon-probe-engine.node', from: 'prebuild' },
  ]);
});

test.run();
