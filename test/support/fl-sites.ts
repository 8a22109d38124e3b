/** A site transport that hands out scripted tasks in order (then ends the job) and accepts every result, kept in `pushed`. */
import type { SiteTransport, TaskMessage, UpdateMessage } from '../../src/fl';

export function scriptedSiteTransport(script: TaskMessage[]): { transport: SiteTransport; pushed: UpdateMessage[] } {
  const pushed: UpdateMessage[] = [];
  const transport: SiteTransport = {
    nextTask: async () => script.shift() ?? null,
    pushResult: async (r) => {
      pushed.push(r);
      return { accepted: true };
    },
  };
  return { transport, pushed };
}
