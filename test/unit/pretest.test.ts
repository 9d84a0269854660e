// The test step's installer must never touch a service it did not start (a developer's own Redis).
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { repoPath } from '../helpers/repoPath.js';

const script = readFileSync(repoPath('scripts', 'ensure-test-servers.sh'), 'utf8');
const commands = script
  .split('\n')
  .filter((line) => !line.trimStart().startsWith('#'))
  .join('\n');

test('ensure-test-servers.sh stops, restarts and reconfigures no service', () => {
  assert.not.match(commands, /\bservice\s+\S+\s+(stop|restart|reload)\b/);
  assert.not.match(commands, /\bservice\s+"\$/);
  assert.not.match(commands, /\bsystemctl\b|\binvoke-rc\.d\b|\bupdate-rc\.d\b/);
});

test('ensure-test-servers.sh keeps installed services from starting, and removes only its own policy-rc.d', () => {
  assert.match(commands, /if \[ ! -e "\$POLICY" \]/, 'an existing policy-rc.d is left alone');
  assert.match(commands, /exit 101/, "Debian's answer for an action that is forbidden");
  assert.match(commands, /\[ -n "\$OWN_POLICY" \] && \$SUDO rm -f "\$POLICY"/, 'only the one it wrote is removed');
});

test.run();
