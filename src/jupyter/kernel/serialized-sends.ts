/**
 * One send at a time per ZeroMQ socket, in order (the kernel launcher wraps tslab's sockets in it).
 *
 * zeromq.js 6 allows one pending send per socket (a second one fails with EBUSY) and tslab sends
 * without waiting, so a send that cannot complete at once (a busy machine, a slow front end) can
 * make the next message fail — and a lost "status: idle" would leave a front end waiting forever.
 * (A notebook run was seen to stall under heavy load; the loss itself was not reproduced.) So each
 * socket's sends are chained. zeromq's sockets cannot be modified, but tslab reads server.iopub,
 * server.shell … at every send, so those fields get a proxy whose send() queues and which forwards
 * everything else: methods bound to the socket itself (a native object whose methods fail when
 * called on a proxy), other values as they are.
 */
export function serializedSends<T extends object>(socket: T): T {
  const raw = (socket as unknown as { send(msg: unknown): Promise<void> }).send.bind(socket);
  let chain: Promise<void> = Promise.resolve();
  const send = (msg: unknown): Promise<void> => {
    const next = chain.then(() => raw(msg));
    // A failed send rejects its own caller only; the next send still goes out.
    chain = next.catch(() => undefined);
    return next;
  };
  return new Proxy(socket, {
    get(target, prop) {
      if (prop === 'send') return send;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
