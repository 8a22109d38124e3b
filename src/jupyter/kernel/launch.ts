#!/usr/bin/env node
/**
 * The privlab kernel: tslab's TypeScript kernel, started as tslab's own startKernel
 * does, with one change. tslab reports a failed cell as text on stderr and a bare
 * error status; the Jupyter protocol asks for an iopub "error" message and
 * ename/evalue/traceback in the execute_reply, which is what nbclient, notebook UIs
 * and kernel test suites read. So the executor's console is ours: what it reports
 * during a failing execution becomes that error message.
 *
 * Built on tslab 1.0.x internals (dist/converter, dist/executor, dist/jupyter; the
 * version is pinned in package.json). test/kernel runs Debian's jupyter_kernel_test
 * suite against this kernel, so a tslab change that breaks it shows up there.
 *
 * Usage (from the kernelspec): launch.js --config-path {connection_file}
 */
import { format } from 'node:util';
import { errorFromConsole } from './errors';
import { interruptButton } from './interrupt-button';
import { serializedSends } from './serialized-sends';
import { expandShorthandProperties } from './shorthand';

/* eslint-disable @typescript-eslint/no-explicit-any -- untyped tslab internals */
const converter = require('tslab/dist/converter') as { createConverter(o: { isJS: boolean; isBrowser: boolean }): any };
const executorModule = require('tslab/dist/executor') as {
  createExecutor(rootDir: string, convs: unknown, console: { log: (...a: unknown[]) => void; error: (...a: unknown[]) => void }): any;
};
const jupyter = require('tslab/dist/jupyter') as {
  JupyterHandlerImpl: new (executor: unknown, isJS: boolean) => any;
  ZmqServer: new (handler: unknown, configPath: string) => any;
};

/** tslab's converter, with shorthand properties written out before conversion (see ./shorthand). */
function createConverter(isBrowser: boolean): any {
  const conv = converter.createConverter({ isJS: false, isBrowser });
  const convert = conv.convert.bind(conv) as (prevDecl: string, src: string) => unknown;
  conv.convert = (prevDecl: string, src: string) => convert(prevDecl, expandShorthandProperties(src));
  return conv;
}

/** Lazily created node/browser converters, as tslab's ConverterSetImpl. */
class Converters {
  private nodeConv: any;
  private browserConv: any;
  get node(): any {
    return (this.nodeConv ??= createConverter(false));
  }
  get browser(): any {
    return (this.browserConv ??= createConverter(true));
  }
  close(): void {
    this.nodeConv?.close();
    this.browserConv?.close();
  }
}

function configPathFromArgs(argv: string[]): string {
  const i = argv.indexOf('--config-path');
  const value = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--config-path='))?.slice('--config-path='.length);
  if (!value) {
    process.stderr.write('usage: launch.js --config-path <connection file>\n');
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const configPath = configPathFromArgs(process.argv.slice(2));
  const convs = new Converters();
  convs.node; // warm the TypeScript converter before the first cell, as tslab does

  // While a cell runs, the executor's error reports are collected instead of printed.
  let captured: unknown[][] | null = null;
  const executor = executorModule.createExecutor(process.cwd(), convs, {
    log: (...args) => console.log(...args),
    error: (...args) => (captured ? captured.push(args) : console.error(...args)),
  });
  const server = new jupyter.ZmqServer(new jupyter.JupyterHandlerImpl(executor, false), configPath);
  // Which execution is running (0: none), so a delayed interrupt cannot hit the next cell.
  let executing = 0;
  let executions = 0;

  // Same as tslab's ZmqServer.handleExecute, plus execute_input and the error message.
  server.handleExecute = async function handleExecute(this: any, sock: unknown, msg: any): Promise<void> {
    const send = (msgType: string, content: unknown, socket: unknown = this.iopub): void => {
      const m = msg.createReply();
      m.header.msg_type = msgType;
      m.content = content;
      m.signAndSend(this.connInfo.key, socket);
    };
    const writeStream = (name: string, text: string): void => send('stream', { name, text });
    const writeDisplayData = (data: unknown, update: boolean): void => send(update ? 'update_display_data' : 'display_data', data);
    // The protocol's execute_input broadcast (tslab omits it): front ends and nbclient
    // take the cell's prompt number from it. tslab counts every execution, as we do here.
    send('execute_input', { code: msg.content.code, execution_count: (this.handler.execCount ?? 0) + 1 });
    captured = [];
    executing = ++executions;
    let content: Record<string, unknown>;
    try {
      content = await this.handler.handleExecute(msg.content, writeStream, writeDisplayData);
    } finally {
      executing = 0;
    }
    const calls = captured ?? [];
    captured = null;
    if (content.status === 'error') {
      const err = calls.length > 0 ? errorFromConsole(calls) : { ename: 'KernelError', evalue: 'execution failed', traceback: [] };
      send('error', err);
      content = { ...content, ...err };
    } else if (calls.length > 0) {
      // Reported but not fatal (e.g. diagnostics of a %module cell): show them as tslab does.
      writeStream('stderr', `${calls.map((args) => format(...(args as [string, ...unknown[]]))).join('\n')}\n`);
    }
    send('execute_reply', content, sock);
  };

  // tslab's kernel_info_reply lacks the "status" field that protocol 5.x requires. A front end
  // asks for kernel_info as soon as it connects, which can be while init() is still binding
  // sockets, and zeromq refuses a send then ("Socket is blocked by a bind or unbind operation",
  // EBUSY: a notebook run failed to start so in CI). So the reply waits for init() to finish.
  let bound: Promise<void> = Promise.resolve();
  server.handleKernelInfo = function handleKernelInfo(this: any, sock: unknown, msg: any): void {
    const reply = msg.createReply();
    reply.header.msg_type = 'kernel_info_reply';
    reply.content = { status: 'ok', ...this.handler.handleKernel() };
    void bound.then(() => reply.signAndSend(this.connInfo.key, sock));
  };

  // The interrupt button: long loops are asked to stop and save first (./interrupt-button).
  process.on(
    'SIGINT',
    interruptButton(executor, () => executing),
  );
  process.on('uncaughtException', (err) => console.error('UncaughtException:', err));
  process.on('unhandledRejection', (reason) => console.error('UnhandledPromiseRejection:', reason));
  // Messages can arrive while init() binds the sockets (see handleKernelInfo).
  bound = server.init();
  await bound;
  for (const name of ['iopub', 'shell', 'control', 'stdin', 'hb']) server[name] = serializedSends(server[name]);
}

main().catch((err) => {
  process.stderr.write(`privlab kernel: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
