#!/usr/bin/env node
/** The privlab command line: dispatch to the registered commands. */
import { loadCommand, loadCommands } from './commands';
import { UsageError, asksForHelp } from './command';
import { installCliInterruptHandlers, interruptExitCode, InterruptedError } from '../util/interrupt';

async function usage(): Promise<string> {
  const commands = await loadCommands();
  return `privlab — privacy-preserving generative AI lab\n\nUsage:\n${commands.map((c) => `  ${c.usage.replace(/\n/g, '\n  ')}`).join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(await usage());
    return name ? 0 : 2;
  }
  const cmd = await loadCommand(name);
  if (!cmd) {
    process.stderr.write(`privlab: unknown command "${name}"\n\n${await usage()}`);
    return 2;
  }
  if (asksForHelp(rest)) {
    process.stdout.write(`${(await cmd.helpFor?.(rest)) ?? cmd.usage}\n`);
    return 0;
  }
  // Ctrl-C / SIGTERM: long loops stop after their current step and save; a second signal quits at once.
  installCliInterruptHandlers();
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof InterruptedError) {
      process.stderr.write(`privlab ${name}: ${err.message}\n`);
      return interruptExitCode(err.reason);
    }
    const isUsage = err instanceof UsageError || String((err as { code?: unknown }).code ?? '').startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`privlab ${name}: ${(err as Error).message}\n`);
    return isUsage ? 2 : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`privlab: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
