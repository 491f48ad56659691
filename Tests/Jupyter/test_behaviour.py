"""What jupyter_kernel_test does not cover: interrupts, signatures, streaming, input,
progress bars, silent execution, user expressions. Needs JUPYTER_PATH to find the
`lstmlua` kernel spec."""

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from queue import Empty

import zmq
from jupyter_client.manager import KernelManager


class KernelBehaviour(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
        cls.km = KernelManager(kernel_name="lstmlua")
        cls.km.start_kernel(stderr=cls.log)
        cls.kc = cls.km.client()
        cls.kc.start_channels()
        cls.kc.wait_for_ready(timeout=30)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel(now=False)
        os.unlink(cls.log.name)

    def run_code(self, code, timeout=30, **options):
        """The reply and the iopub messages of one execution (up to its idle status)."""
        msg_id = self.kc.execute(code, **options)
        outputs = []
        while True:
            msg = self.kc.get_iopub_msg(timeout=timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
            outputs.append(msg)
        reply = self.kc.get_shell_msg(timeout=timeout)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        return reply["content"], outputs

    def stdout(self, outputs):
        return "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == "stdout")

    def interrupt_during(self, code, started):
        """Runs code, interrupts it once `started` (seconds) passed, returns the reply and its time."""
        msg_id = self.kc.execute(code)
        time.sleep(started)
        t0 = time.monotonic()
        self.km.interrupt_kernel()
        reply = self.kc.get_shell_msg(timeout=30)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        return reply["content"], time.monotonic() - t0

    def test_interrupt_a_lua_loop_keeps_the_state(self):
        self.run_code("kept = 41")
        reply, waited = self.interrupt_during("while true do end", 0.5)
        self.assertEqual(reply["status"], "error")
        self.assertIn("interrupted!", reply["evalue"])
        self.assertLess(waited, 5)
        reply, outputs = self.run_code("kept + 1")
        self.assertEqual(reply["status"], "ok")
        self.assertEqual([m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"], ["42"])

    def test_interrupt_a_long_native_call(self):
        # one native call (an LSTM over 100 000 steps) that runs for many seconds
        code = "lstm = nn.LSTM(256, 256); y = lstm(torch.randn(100000, 1, 256))"
        reply, waited = self.interrupt_during(code, 1.0)
        self.assertEqual(reply["status"], "error")
        self.assertIn("interrupted!", reply["evalue"])
        self.assertLess(waited, 5)
        reply, outputs = self.run_code("lstm.weight_ih_l0:size()")
        self.assertEqual(reply["status"], "ok")
        # and a sleep, which waits in the system
        reply, waited = self.interrupt_during("time.sleep(60)", 0.5)
        self.assertIn("interrupted!", reply["evalue"])
        self.assertLess(waited, 5)

    def test_a_bad_signature_is_ignored_and_logged(self):
        session = self.kc.session
        ctx = zmq.Context.instance()
        sock = ctx.socket(zmq.DEALER)
        sock.connect(self.km._make_url("shell"))
        msg = session.msg("execute_request", {"code": "tampered = true", "silent": False})
        parts = session.serialize(msg)
        delimiter = parts.index(b"<IDS|MSG>")
        parts[delimiter + 1] = b"0" * 64
        sock.send_multipart(parts)
        self.assertEqual(sock.poll(1000), 0, "no reply to a forged message")
        sock.close()
        reply, outputs = self.run_code("tampered == nil")
        self.assertEqual([m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"], ["true"])
        self.log.flush()
        with open(self.log.name) as f:
            self.assertIn("bad signature", f.read())

    def test_output_streams_as_it_is_written(self):
        msg_id = self.kc.execute("print('first'); time.sleep(1.5); print('second')")
        start = time.monotonic()
        while True:
            msg = self.kc.get_iopub_msg(timeout=10)
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
                break
        self.assertEqual(msg["content"]["text"], "first\n")
        self.assertLess(time.monotonic() - start, 1.2, "the first line came before the cell ended")
        self.kc.get_shell_msg(timeout=10)

    def test_stdout_and_stderr_keep_their_order(self):
        reply, outputs = self.run_code("print('a'); io.stderr:write('b\\n'); fig = plot.figure(); fig:line({1, 2}, {1, 2}); fig:show(); print('c')")
        kinds = [(m["msg_type"], m["content"].get("name")) for m in outputs if m["msg_type"] in ("stream", "display_data")]
        self.assertEqual(kinds, [("stream", "stdout"), ("stream", "stderr"), ("display_data", None), ("stream", "stdout")])

    def test_semicolon_silent_and_user_expressions(self):
        reply, outputs = self.run_code("v = 5; v;")
        self.assertFalse([m for m in outputs if m["msg_type"] == "execute_result"])
        count = reply["execution_count"]
        reply, outputs = self.run_code("v * 2", silent=True)
        self.assertFalse([m for m in outputs if m["msg_type"] in ("execute_result", "execute_input")])
        reply, outputs = self.run_code("w = 1", user_expressions={"double": "v * 2", "bad": "nil + 1", "last": "_"})
        self.assertEqual(reply["execution_count"], count + 1, "a silent execution is not counted")
        self.assertEqual(reply["user_expressions"]["last"]["data"]["text/plain"], "5", "a silent execution leaves _ as it was")
        self.assertEqual(reply["user_expressions"]["double"]["data"]["text/plain"], "10")
        self.assertEqual(reply["user_expressions"]["bad"]["status"], "error")

    def test_io_read_asks_the_frontend(self):
        def answer():
            msg = self.kc.get_stdin_msg(timeout=10)
            self.assertEqual(msg["msg_type"], "input_request")
            self.kc.input("42 lines")
        t = threading.Thread(target=answer)
        t.start()
        reply, outputs = self.run_code("line = io.read(); line", allow_stdin=True)
        t.join()
        self.assertEqual([m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "execute_result"], ['"42 lines"'])
        reply, outputs = self.run_code("io.read()", allow_stdin=False)
        self.assertEqual(reply["status"], "error")
        self.assertIn("takes no input", reply["evalue"])

    def test_a_progress_bar_is_one_display_updated_in_place(self):
        reply, outputs = self.run_code("for i in torch.progress(1, 30, {desc = 'steps'}) do time.sleep(0.02) end")
        shown = [m for m in outputs if m["msg_type"] == "display_data"]
        updates = [m for m in outputs if m["msg_type"] == "update_display_data"]
        self.assertEqual(len(shown), 1)
        self.assertGreaterEqual(len(updates), 1)
        display_id = shown[0]["content"]["transient"]["display_id"]
        self.assertTrue(all(m["content"]["transient"]["display_id"] == display_id for m in updates))
        self.assertIn("30/30", updates[-1]["content"]["data"]["text/plain"])
        self.assertFalse([m for m in outputs if m["msg_type"] == "stream"], "nothing on stderr")

    def result_data(self, code):
        reply, outputs = self.run_code(code)
        results = [m["content"]["data"] for m in outputs if m["msg_type"] == "execute_result"]
        self.assertEqual(len(results), 1, outputs)
        return results[0]

    def test_tensors_and_modules_as_html_where_it_helps(self):
        data = self.result_data("torch.arange(1, 7):view(2, 3):float()")
        self.assertEqual(data["text/plain"], "tensor([[1., 2., 3.],\n        [4., 5., 6.]])")
        html = data["text/html"]
        self.assertIn("tensor [2, 3], torch.float32", html)
        self.assertIn("<th>3</th>", html, "columns counted from 1")
        self.assertNotIn("<th>0</th>", html)
        self.assertEqual(html.count("<tr>"), 3)
        self.assertIn(">6.</td>", html)
        self.assertIn("…", self.result_data("torch.zeros(50, 50)")["text/html"], "long dimensions show their edges")
        html = self.result_data("nn.Linear(3, 2)")["text/html"]
        self.assertIn("<code>weight</code></td><td>2 × 3</td>", html)
        self.assertIn(">8</th></tfoot>".replace("</th></tfoot>", "</th></tr></tfoot>"), html)
        self.assertNotIn("text/html", self.result_data("torch.tensor(5)"), "a scalar is text")
        self.assertNotIn("text/html", self.result_data("{1, 2}"))

    def test_errors_carry_the_message_and_the_lua_traceback(self):
        reply, outputs = self.run_code("function f(x)\n  return x.y\nend\nf(nil)")
        errors = [m["content"] for m in outputs if m["msg_type"] == "error"]
        self.assertEqual(len(errors), 1)
        self.assertEqual(errors[0]["evalue"], "[cell %d]:2: attempt to index a nil value (local 'x')" % reply["execution_count"])
        self.assertEqual(reply["evalue"], errors[0]["evalue"])
        self.assertIn("\t[cell %d]:2: in function 'f'" % reply["execution_count"], errors[0]["traceback"])

    def test_a_burst_of_output_bigger_than_a_pipe_arrives_whole(self):
        reply, outputs = self.run_code("io.write(string.rep('x', 200000)); io.stderr:write(string.rep('e', 100000)); print('end')")
        self.assertEqual(reply["status"], "ok")
        text = self.stdout(outputs)
        self.assertEqual(text, "x" * 200000 + "end\n")
        err = "".join(m["content"]["text"] for m in outputs if m["msg_type"] == "stream" and m["content"]["name"] == "stderr")
        self.assertEqual(err, "e" * 100000)
        reply, outputs = self.run_code("for i = 1, 20000 do print(i) end")
        self.assertEqual(self.stdout(outputs), "".join(f"{i}\n" for i in range(1, 20001)))

    def test_queued_cells_after_an_error_are_aborted_unless_asked_not_to(self):
        ids = [self.kc.execute("time.sleep(0.3); error('first fails')"), self.kc.execute("print('second')"),
               self.kc.execute("print('third')")]
        replies = {}
        while len(replies) < 3:
            msg = self.kc.get_shell_msg(timeout=20)
            replies[msg["parent_header"]["msg_id"]] = msg["content"]["status"]
        self.assertEqual([replies[i] for i in ids], ["error", "aborted", "aborted"])
        ids = [self.kc.execute("time.sleep(0.3); error('fails')", stop_on_error=False), self.kc.execute("ran_after = true")]
        replies = {}
        while len(replies) < 2:
            msg = self.kc.get_shell_msg(timeout=20)
            replies[msg["parent_header"]["msg_id"]] = msg["content"]["status"]
        self.assertEqual([replies[i] for i in ids], ["error", "ok"])
        self.assertEqual(self.result_data("ran_after")["text/plain"], "true")

    def test_a_failing_tostring_is_the_cells_error(self):
        reply, outputs = self.run_code("setmetatable({}, {__tostring = function() error('tostring boom') end})")
        self.assertEqual(reply["status"], "error")
        self.assertIn("tostring boom", reply["evalue"])

    def test_a_figure_a_cell_returns_is_drawn(self):
        data = self.result_data("fig = plot.figure(); fig:line({1, 3, 2}); fig")
        self.assertIn("image/png", data)
        self.assertIn("image/svg+xml", data)
        self.assertTrue(data["text/plain"].startswith("Figure(800x500"))

    def test_bad_requests_get_error_replies(self):
        session = self.kc.session
        msg = session.msg("execute_request", {"code": 42, "silent": False})
        self.kc.shell_channel.send(msg)
        reply = self.kc.get_shell_msg(timeout=10)
        self.assertEqual(reply["parent_header"]["msg_id"], msg["header"]["msg_id"])
        self.assertEqual(reply["content"]["status"], "error")
        self.assertIn("code must be a string", reply["content"]["evalue"])
        # content that is not UTF-8, correctly signed: an error reply, not silence
        ctx = zmq.Context.instance()
        sock = ctx.socket(zmq.DEALER)
        sock.connect(self.km._make_url("shell"))
        msg = session.msg("execute_request", {})
        parts = [session.pack(msg["header"]), session.pack(msg["parent_header"]), session.pack(msg["metadata"]),
                 b'{"code": "x = \xff\xfe 1"}']
        sock.send_multipart([b"<IDS|MSG>", session.sign(parts)] + parts)
        self.assertEqual(sock.poll(5000), zmq.POLLIN)
        frames = sock.recv_multipart()
        content = session.unpack(frames[frames.index(b"<IDS|MSG>") + 5])
        self.assertEqual(content["status"], "error")
        sock.close()
        self.assertEqual(self.result_data("1 + 1")["text/plain"], "2")

    def test_completion_of_methods_after_a_colon(self):
        self.run_code("x = torch.ones(3)")
        msg_id = self.kc.complete("x:su")
        reply = self.kc.get_shell_msg(timeout=10)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertIn("x:sum", reply["content"]["matches"])
        self.assertEqual(reply["content"]["cursor_start"], 0)
        self.assertEqual(reply["content"]["cursor_end"], 4)



class KernelLifetime(unittest.TestCase):
    def test_the_kernel_exits_when_its_frontend_is_killed(self):
        script = ("from jupyter_client.manager import start_new_kernel; import time, sys\n"
                  "km, kc = start_new_kernel(kernel_name='lstmlua')\n"
                  "print(km.provisioner.pid, flush=True)\ntime.sleep(60)\n")
        frontend = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
        kernel = int(frontend.stdout.readline())
        frontend.send_signal(signal.SIGKILL)
        frontend.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and os.path.exists(f"/proc/{kernel}") and \
                open(f"/proc/{kernel}/stat").read().split()[2] != "Z":
            time.sleep(0.1)
        alive = os.path.exists(f"/proc/{kernel}") and open(f"/proc/{kernel}/stat").read().split()[2] != "Z"
        if alive:
            os.kill(kernel, signal.SIGKILL)
        self.assertFalse(alive, "the kernel outlived its frontend by 10 s")

    def test_another_signature_scheme(self):
        km = KernelManager(kernel_name="lstmlua")
        km.session.signature_scheme = "hmac-sha512"
        km.start_kernel()
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=30)
            reply = kc.execute_interactive("2 ^ 10", timeout=20)
            self.assertEqual(reply["content"]["status"], "ok")
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)


if __name__ == "__main__":
    unittest.main()