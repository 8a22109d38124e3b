#!/usr/bin/env node
/** The privlab command line. Each command is a thin layer over the library. */
import { parseArgs } from 'node:util';
import { runReports, NotebookCellError } from '../jupyter/report';
import { startLab } from '../jupyter/lab';
import { installKernelSpec, kernelSpecFile } from '../jupyter/kernelspec';
import { classCounts, loadDataset } from '../data';

const USAGE = `privlab — privacy-preserving generative AI lab

Usage:
  privlab report [NOTEBOOK…] [--out DIR] [--cell-timeout S]
      Execute notebooks headless (default: all of notebooks/) and write one
      self-contained HTML report per notebook (default DIR: figures/reports).
  privlab lab [--port P]
      Start Jupyter Notebook on 127.0.0.1 with the privlab TypeScript kernel.
  privlab data info [--dataset mnist|fashion|<images idx path>]
      Load a dataset and print its size and class counts.
  privlab setup-kernel
      Register the kernel in the project-local Jupyter directory (the set-up does this).
`;

type Handler = (argv: string[]) => Promise<number>;

const commands: Record<string, Handler> = {
  async report(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: 'string' }, 'cell-timeout': { type: 'string' } },
    });
    const timeout = values['cell-timeout'] !== undefined ? Number(values['cell-timeout']) : undefined;
    if (timeout !== undefined && !(timeout > 0)) throw new UsageError(`--cell-timeout must be a positive number of seconds, got ${values['cell-timeout']}`);
    try {
      const results = await runReports(positionals, { outDir: values.out, cellTimeoutS: timeout });
      for (const r of results) console.log(`${r.notebook} → ${r.html} (${r.seconds.toFixed(1)} s)`);
      return 0;
    } catch (err) {
      if (err instanceof NotebookCellError) {
        console.error(`privlab report: ${err.message}`);
        if (err.source) console.error(`--- cell ${err.cell} source ---\n${err.source}`);
        return 1;
      }
      throw err;
    }
  },
  async lab(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { port: { type: 'string' } } });
    return startLab({ port: values.port ? Number(values.port) : undefined, extraArgs: positionals });
  },
  async data(argv) {
    const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { dataset: { type: 'string', default: 'mnist' } } });
    if (positionals[0] !== 'info') throw new UsageError(`unknown data subcommand "${positionals[0] ?? ''}"`);
    const ds = loadDataset(values.dataset ?? 'mnist');
    const counts = classCounts(ds);
    console.log(JSON.stringify({ name: ds.name, count: ds.count, height: ds.height, width: ds.width, classes: Object.fromEntries(ds.classNames.map((c, i) => [c, counts[i]])) }, null, 2));
    return 0;
  },
  async 'setup-kernel'() {
    const wrote = installKernelSpec();
    console.log(`${wrote ? 'registered' : 'already registered'}: ${kernelSpecFile()}`);
    return 0;
  },
};

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stdout.write(USAGE);
    return cmd ? 0 : 2;
  }
  const handler = commands[cmd];
  if (!handler) {
    process.stderr.write(`privlab: unknown command "${cmd}"\n\n${USAGE}`);
    return 2;
  }
  try {
    return await handler(rest);
  } catch (err) {
    const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`privlab ${cmd}: ${(err as Error).message}\n`);
    return usage ? 2 : 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`privlab: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
