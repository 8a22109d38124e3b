/**
 * The one channel through which kernel-ext shows things: Jupyter display_data and
 * update_display_data messages carrying a MIME bundle.
 *
 * tslab's public Display API sends a single MIME type per message, but a useful
 * output carries several (a chart as text/html *and* the Plotly MIME type, with a
 * text/plain fallback). So we call the writer tslab installs for the running cell
 * (`tslab/dist/jupyter`.lastWriteDisplayData, tslab 1.0.x) with a whole bundle, and
 * fall back to the public API if that internal ever disappears.
 */
import { randomUUID } from 'node:crypto';

export type MimeBundle = Record<string, unknown>;

/** Where bundles go. In a tslab kernel: the notebook. Elsewhere: a text fallback on stdout. */
export type DisplaySink = (bundle: MimeBundle, displayId: string, update: boolean) => void;

interface TslabWriterModule {
  lastWriteDisplayData: ((data: { data: MimeBundle; metadata: Record<string, unknown>; transient: { display_id: string } }, update: boolean) => void) | null;
}

function tslabWriter(): TslabWriterModule | undefined {
  try {
    // Resolved from the kernel's own tslab install, so this is the same module instance the kernel runs.
    const mod = require(require.resolve('tslab/dist/jupyter', { paths: [process.cwd(), __dirname] })) as TslabWriterModule;
    return 'lastWriteDisplayData' in mod ? mod : undefined;
  } catch {
    return undefined;
  }
}

const defaultSink: DisplaySink = (bundle, displayId, update) => {
  const writer = tslabWriter();
  if (writer?.lastWriteDisplayData) {
    writer.lastWriteDisplayData({ data: bundle, metadata: {}, transient: { display_id: displayId } }, update);
    return;
  }
  // Not inside a kernel (a script or the CLI): show the text form, once per display.
  if (!update && typeof bundle['text/plain'] === 'string') process.stdout.write(`${bundle['text/plain']}\n`);
};

let sink: DisplaySink = defaultSink;

/** Redirect displays (tests, other front ends). Returns the previous sink. */
export function setDisplaySink(next: DisplaySink | null): DisplaySink {
  const prev = sink;
  sink = next ?? defaultSink;
  return prev;
}

/** True when running as a tslab kernel cell (displays reach a notebook). */
export function inKernel(): boolean {
  return Boolean(tslabWriter()?.lastWriteDisplayData);
}

/** An output area that can be replaced in place later (progress bars, live charts). */
export class DisplayHandle {
  readonly id: string;
  private shown = false;

  constructor(id: string = `privlab-${randomUUID()}`) {
    this.id = id;
  }

  /** Show the bundle: the first call creates the output, later calls replace it in place. */
  update(bundle: MimeBundle): void {
    sink(bundle, this.id, this.shown);
    this.shown = true;
  }
}

/** Show a MIME bundle as a new output. */
export function display(bundle: MimeBundle): DisplayHandle {
  const h = new DisplayHandle();
  h.update(bundle);
  return h;
}

/** Show HTML (with a text fallback). */
export function html(markup: string, text = '[HTML output]'): DisplayHandle {
  return display({ 'text/html': markup, 'text/plain': text });
}

/** Let queued messages reach the notebook during a long async loop. */
export function yieldToKernel(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
