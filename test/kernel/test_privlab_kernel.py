"""The privlab kernel, as registered by the set-up, against Debian's jupyter_kernel_test
suite (execute, stdout/stderr, errors, completion, inspection, is_complete, display data),
plus privlab's own protocol checks: error names, and displays updated in place.

Run with the project-local Jupyter path, from the project root:
  JUPYTER_PATH=.jupyter/data /usr/bin/python3 test/kernel/test_privlab_kernel.py -v
(test/integration/kernel-protocol.test.ts does exactly that.)
"""
import queue
import unittest

import jupyter_kernel_test
from jupyter_kernel_test.msgspec_v5 import validate_message

# Seconds to wait for a reply, and for each iopub message after it. The suite's own helper waits
# 15 s for a reply, 1 s for the busy status and 0.1 s for each later message: on a loaded machine
# (the test command runs files side by side) a first cell that compiles TypeScript and loads tfjs,
# or the idle status sent just after the reply, can take longer, and the run failed for that alone.
REPLY_TIMEOUT = 180
IOPUB_TIMEOUT = 30


class PrivlabKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "privlab"
    language_name = "typescript"
    file_extension = ".ts"

    def execute_helper(self, code, timeout=REPLY_TIMEOUT, silent=False, store_history=True, stop_on_error=True):
        """The suite's execute_helper, with the same checks, waiting longer (see REPLY_TIMEOUT)."""
        msg_id = self.kc.execute(code=code, silent=silent, store_history=store_history, stop_on_error=stop_on_error)
        reply = self.get_non_kernel_info_reply(timeout=timeout)
        validate_message(reply, "execute_reply", msg_id)
        busy = self.kc.get_iopub_msg(timeout=IOPUB_TIMEOUT)
        validate_message(busy, "status", msg_id)
        self.assertEqual(busy["content"]["execution_state"], "busy")
        outputs = []
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=IOPUB_TIMEOUT)
            except queue.Empty:
                self.fail(f"no idle status within {IOPUB_TIMEOUT} s of the last message; outputs so far: {outputs}")
            validate_message(msg, msg["msg_type"], msg_id)
            if msg["msg_type"] == "status":
                self.assertEqual(msg["content"]["execution_state"], "idle")
                return reply, outputs
            if msg["msg_type"] == "execute_input":
                self.assertEqual(msg["content"]["code"], code)
                continue
            outputs.append(msg)

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("to stderr")'
    code_generate_error = 'throw new RangeError("kaput")'

    completion_samples = [
        {"text": "Math.ab", "matches": {"abs"}},
        {"text": "const xs = [1, 2];\nxs.fil", "matches": {"fill", "filter"}},
    ]
    complete_code_samples = ["1 + 1", "const x = 1;", "function f() { return 1; }"]
    incomplete_code_samples = ["function f() {", "if (true) {", "(1 + "]

    code_inspect_sample = "Math.max"

    code_display_data = [
        {"code": 'import * as tslab from "tslab";\ntslab.display.html("<b>bold</b>");', "mime": "text/html"},
        {"code": 'import * as lab from "privlab/kernel-ext";\nlab.html("<i>privlab</i>");', "mime": "text/html"},
        {"code": 'import * as lab2 from "privlab/kernel-ext";\nlab2.images(lab2.data.loadMnist(), { indices: [0, 1] });', "mime": "image/png"},
    ]

    def run_cell(self, code):
        self.flush_channels()
        return self.execute_helper(code=code)

    def test_privlab_runtime_error_has_name_message_and_traceback(self):
        reply, outputs = self.run_cell('function inner() { throw new TypeError("bad input: 42"); }\ninner();')
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "TypeError")
        self.assertEqual(reply["content"]["evalue"], "bad input: 42")
        errors = [m for m in outputs if m["msg_type"] == "error"]
        self.assertEqual(len(errors), 1)
        tb = errors[0]["content"]["traceback"]
        self.assertEqual(tb[0], "TypeError: bad input: 42")
        self.assertTrue(any("inner" in line for line in tb[1:]), tb)
        self.assertFalse(any("node_modules/tslab" in line for line in tb), "kernel internals are left out")
        self.assertFalse([m for m in outputs if m["msg_type"] == "stream"], "the error is not also printed")

    def test_privlab_shorthand_property_reads_an_earlier_cell(self):
        # tslab alone raises "ReferenceError: shortX is not defined" on the second cell.
        reply, _ = self.run_cell("const shortX = 41;\nlet shortY = 'y';")
        self.assertEqual(reply["content"]["status"], "ok")
        reply, outputs = self.run_cell("const pair = { shortX, shortY, z: shortX + 1 };\nconsole.log(JSON.stringify(pair));")
        self.assertEqual(reply["content"]["status"], "ok", reply["content"])
        text = "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream")
        self.assertEqual(text, '{"shortX":41,"shortY":"y","z":42}\n')

    def test_privlab_type_error_is_a_tserror(self):
        reply, outputs = self.run_cell('const n: number = "not a number";')
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "TSError")
        self.assertIn("not assignable to type 'number'", reply["content"]["evalue"])
        self.assertEqual([m["msg_type"] for m in outputs], ["error"])

    def test_privlab_execute_input_carries_the_execution_count(self):
        self.flush_channels()
        msg_id = self.kc.execute(code="1")
        reply = self.get_non_kernel_info_reply(timeout=REPLY_TIMEOUT)
        count = reply["content"]["execution_count"]
        seen = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=IOPUB_TIMEOUT)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            seen.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        inputs = [m for m in seen if m["msg_type"] == "execute_input"]
        self.assertEqual(len(inputs), 1)
        self.assertEqual(inputs[0]["content"]["execution_count"], count)
        self.assertEqual(inputs[0]["content"]["code"], "1")

    def test_privlab_kernel_keeps_working_after_an_error(self):
        self.run_cell('throw new Error("first")')
        reply, outputs = self.run_cell('console.log("still alive", 6 * 7)')
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertIn("still alive 42", "".join(m["content"].get("text", "") for m in outputs))

    def test_privlab_live_display_updates_in_place(self):
        code = (
            'import * as lab3 from "privlab/kernel-ext";\n'
            'const bar = lab3.progressBar({ total: 3, label: "work", intervalMs: 0 });\n'
            'for (let i = 0; i < 3; i++) await bar.tick();\n'
            'bar.close();'
        )
        reply, outputs = self.run_cell(code)
        self.assertEqual(reply["content"]["status"], "ok")
        kinds = [m["msg_type"] for m in outputs]
        self.assertEqual(kinds[0], "display_data")
        self.assertGreaterEqual(kinds.count("update_display_data"), 3)
        ids = {m["content"]["transient"]["display_id"] for m in outputs if m["msg_type"].endswith("display_data")}
        self.assertEqual(len(ids), 1, "one display, updated in place")
        for m in outputs:
            validate_message(m, m["msg_type"], reply["parent_header"]["msg_id"])
        last = [m for m in outputs if m["msg_type"] == "update_display_data"][-1]
        self.assertIn("100%", last["content"]["data"]["text/plain"])

    def test_privlab_rapid_updates_all_arrive(self):
        # 500 display updates from a loop that never yields: every one is delivered, in
        # order (the launcher queues each socket's sends; zeromq allows one pending send).
        code = (
            'import * as lab4 from "privlab/kernel-ext";\n'
            'const h = new lab4.DisplayHandle();\n'
            'for (let i = 0; i < 500; i++) h.update({ "text/plain": `update ${i}` });'
        )
        reply, outputs = self.run_cell(code)
        self.assertEqual(reply["content"]["status"], "ok")
        texts = [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"].endswith("display_data")]
        self.assertEqual(len(texts), 500)
        self.assertEqual(texts[-1], "update 499")


if __name__ == "__main__":
    unittest.main()
