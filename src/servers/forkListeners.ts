import { fork, type ChildProcess } from 'node:child_process';
import { entryScript, type EntryPoint } from '../entryScript.js';

/** One child process to start: its argv and the listening descriptors it inherits (as fd 4, 5, …). */
export interface ListenerChild {
  readonly args: readonly string[];
  readonly fds: readonly number[];
}

/**
 * Starts a child process per entry running `name` (a module next to this one, .ts or .js as this
 * one is), each inheriting its listening descriptors, and resolves once every one has reported
 * `listening`. If any fails or exits first, all are killed and the promise rejects. `wire` is
 * called on each child before it starts listening, to attach its own message handlers.
 */
export async function forkListeners(
  name: EntryPoint,
  children: readonly ListenerChild[],
  wire?: (child: ChildProcess) => void,
): Promise<ChildProcess[]> {
  const script = entryScript(name);
  const started: ChildProcess[] = [];
  try {
    await Promise.all(
      children.map(({ args, fds }) => {
        const child = fork(script, [...args], { stdio: ['ignore', 'ignore', 'inherit', 'ipc', ...fds] });
        started.push(child);
        wire?.(child);
        return new Promise<void>((resolve, reject) => {
          child.on('message', (msg: { type: string; message?: string }) => {
            if (msg.type === 'listening') resolve();
            if (msg.type === 'error') reject(new Error(msg.message));
          });
          child.once('exit', () => reject(new Error(`a ${name} process exited before listening`)));
        });
      }),
    );
  } catch (err) {
    for (const child of started) child.kill('SIGKILL');
    throw err;
  }
  return started;
}
