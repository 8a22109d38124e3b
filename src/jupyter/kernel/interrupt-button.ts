/**
 * The kernel's interrupt button (Jupyter sends the kernel SIGINT). tslab's own interrupt only
 * abandons the cell's promise: a training loop would run on in the background. So long loops are
 * asked to stop first (src/util/interrupt.ts); they end the cell themselves within a step, after
 * saving. A cell with no such loop is abandoned at once, as tslab does; one whose loop does not end
 * within the grace period is abandoned then — unless it already ended and another cell is running.
 */
import { requestInterrupt } from '../../util/interrupt';

/** How long a cooperative loop gets to stop and save after the interrupt button before the cell is abandoned. */
export const COOPERATIVE_GRACE_MS = 5000;

/**
 * The SIGINT handler. `executing()` is the number of the execution running now (0: none; each
 * execution gets a new number), so a delayed abandon cannot hit the next cell.
 */
export function interruptButton(executor: { interrupt(): void }, executing: () => number, graceMs = COOPERATIVE_GRACE_MS): () => void {
  return () => {
    if (requestInterrupt('kernel interrupt') === 0) {
      executor.interrupt();
      return;
    }
    const running = executing();
    setTimeout(() => {
      if (running !== 0 && executing() === running) executor.interrupt();
    }, graceMs).unref();
  };
}
