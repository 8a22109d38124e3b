// Preloaded (node -r) into every test file that the mutation job runs (scripts/mutation.sh).
// When a test file's process ends, its descendants are killed. Why: Stryker's TAP runner stops a
// test file at its first failure (SIGTERM to that process only), and a mutant can make a child
// process a test spawned run forever (a signal handler mutated away, a server that never closes):
// without this, such children outlive their test, one per mutant, and fill the machine.
'use strict';
const { execFileSync } = require('node:child_process');

function descendants(root) {
  let table;
  try {
    table = execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const children = new Map();
  for (const line of table.split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (!pid) continue;
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(pid);
  }
  const found = [];
  const stack = [root];
  while (stack.length) for (const c of children.get(stack.pop()) ?? []) found.push(c), stack.push(c);
  return found;
}

process.on('exit', () => {
  for (const pid of descendants(process.pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
