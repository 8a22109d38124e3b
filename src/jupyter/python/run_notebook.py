#!/usr/bin/python3
"""Execute one notebook headless with nbclient and export it as a self-contained HTML report.

Called by `privlab report`. Runs cell by cell so that a failure can name the cell.
On success writes the executed notebook and the HTML report (atomically); on failure
writes nothing and prints one JSON line describing the failing cell, exit status 3.
Progress goes to stderr, one line per code cell.

With --allow-errors (`privlab exercises grade`: a student's notebook), a failing cell does
not stop the run: its error stays in its outputs and the next cell runs. A cell that times
out or kills the kernel gets an error output and ends the run (the kernel's state is lost
or it is stuck); the cells after it are "not-run". The executed notebook is written either
way, and the JSON line lists every code cell's status.
"""
import argparse
import datetime
import json
import os
import signal
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter


def write_atomic(path, text):
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def error_of(cell, exc):
    """(ename, evalue, details) of a failed cell, from the kernel's error output.

    The privlab kernel sends one (src/jupyter/kernel/launch.ts). For a kernel that only
    writes to stderr, fall back to the first line it wrote there.
    """
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            tb = out.get("traceback", [])
            return out.get("ename", "Error"), out.get("evalue", ""), "\n".join(tb[1:])
    stderr = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stderr").strip()
    ename = getattr(exc, "ename", None)
    if not ename or ename == "<Error>":
        ename = type(exc).__name__
    lines = stderr.splitlines() or str(exc).strip().splitlines() or [""]
    return ename, lines[0], "\n".join(lines[1:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--notebook", required=True)
    ap.add_argument("--html", help="HTML report to write (omit: no export)")
    ap.add_argument("--ipynb", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    ap.add_argument("--template-dir", required=True)
    ap.add_argument("--allow-errors", action="store_true", help="record failing cells and go on (grading)")
    args = ap.parse_args()
    # privlab report sends SIGTERM when it is stopped: leave through the `with` below, which shuts
    # the kernel down (Python's default action would exit at once and orphan the kernel).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    nb = nbformat.read(args.notebook, as_version=4)
    workdir = os.path.dirname(os.path.abspath(args.notebook))
    client = NotebookClient(
        nb,
        kernel_name=args.kernel,
        timeout=args.timeout,
        allow_errors=args.allow_errors,
        record_timing=True,
        resources={"metadata": {"path": workdir}},
    )
    code_cells = sum(1 for c in nb.cells if c.cell_type == "code")
    code_no = 0
    t_all = time.time()
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    statuses = []
    stopped = None
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            code_no += 1
            t0 = time.time()
            if stopped is not None:
                statuses.append({"cell": index + 1, "code_cell": code_no, "status": "not-run",
                                 "ename": "NotRun", "evalue": f"not run: {stopped}"})
                continue
            try:
                client.execute_cell(cell, index)
                err = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
                statuses.append({"cell": index + 1, "code_cell": code_no, "status": "error" if err else "ok",
                                 "ename": err.get("ename", "Error") if err else None, "evalue": err.get("evalue", "") if err else None})
                if err:
                    # tslab ignores stop_on_error: after a failed cell it aborts every request that
                    # arrives within 200 ms (tslab/dist/jupyter.js handleExecute). Wait that out.
                    time.sleep(0.4)
            except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
                ename, evalue, details = error_of(cell, exc)
                if isinstance(exc, CellTimeoutError):
                    ename, evalue = "CellTimeoutError", f"cell did not finish within {args.timeout} s"
                elif isinstance(exc, DeadKernelError):
                    ename, evalue = "DeadKernelError", "the kernel died while running this cell"
                if args.allow_errors:
                    cell.setdefault("outputs", []).append(nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"]))
                    status = "timeout" if isinstance(exc, CellTimeoutError) else "dead" if isinstance(exc, DeadKernelError) else "error"
                    statuses.append({"cell": index + 1, "code_cell": code_no, "status": status, "ename": ename, "evalue": evalue})
                    if status != "error":
                        stopped = f"code cell {code_no} (cell {index + 1}) ended the run: {ename}: {evalue}"
                    continue
                print(json.dumps({
                    "ok": False,
                    "notebook": args.notebook,
                    "cell": index + 1,
                    "code_cell": code_no,
                    "ename": ename,
                    "evalue": evalue,
                    "details": details,
                    "source": cell.source,
                }), flush=True)
                sys.exit(3)
            print(f"  cell {index + 1} ({code_no}/{code_cells} code) {time.time() - t0:.1f}s", file=sys.stderr, flush=True)

    # When and how long (the cells with the kernel's start, not the export): the report gallery
    # (src/jupyter/gallery.ts) reads these from the executed notebook; privlab report prints the same seconds.
    seconds = round(time.time() - t_all, 2)
    nb.metadata.setdefault("privlab", {})["report"] = {"started": started, "seconds": seconds}
    if args.html:
        exporter = HTMLExporter(template_name="privlab", extra_template_basedirs=[args.template_dir])
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": os.path.splitext(os.path.basename(args.notebook))[0]}})
    write_atomic(args.ipynb, nbformat.writes(nb))
    if args.html:
        write_atomic(args.html, body)
    print(json.dumps({"ok": True, "notebook": args.notebook, "html": args.html, "ipynb": args.ipynb,
                      "seconds": seconds, "code_cells": code_cells, "cells": statuses}), flush=True)


if __name__ == "__main__":
    main()
