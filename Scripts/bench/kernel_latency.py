"""Jupyter kernel latency: lstmlua's kernel against ipykernel, alternately in one run.
  start:  KernelManager.start_kernel() until the kernel_info_reply (a new process each time)
  execute: a trivial execute_request until its execute_reply (`do end` / `pass`),
           on a started kernel, the request's iopub messages drained as a frontend does
Medians over rounds (each round: one start, then the median of --executes round trips).

  python Scripts/bench/kernel_latency.py --rounds 7 [--executes 200] [--kernels lstmlua,python3]

Needs jupyter_client and ipykernel in that Python, and the lstmlua kernel installed
(lstmlua kernel install --user, or JUPYTER_PATH pointing at a --prefix install)."""

import argparse
import statistics
import time

from jupyter_client.manager import KernelManager

TRIVIAL = {"lstmlua": "do end", "python3": "pass"}


def start(name):
    """A started kernel, and the time to its first kernel_info_reply (wait_for_ready
    would add its own 0.2 s of waiting for a quiet iopub)."""
    km = KernelManager(kernel_name=name)
    t0 = time.perf_counter()
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    msg_id = kc.kernel_info()
    while kc.get_shell_msg(timeout=60)["parent_header"].get("msg_id") != msg_id:
        pass
    took = time.perf_counter() - t0
    kc.wait_for_ready(timeout=60)
    return km, kc, took


def round_trips(kc, code, n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        msg_id = kc.execute(code)
        while True:
            reply = kc.get_shell_msg(timeout=10)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        times.append(time.perf_counter() - t0)
        # what a frontend reads too: up to the idle status
        while True:
            msg = kc.get_iopub_msg(timeout=10)
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" \
                    and msg["content"]["execution_state"] == "idle":
                break
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--executes", type=int, default=200)
    parser.add_argument("--kernels", default="lstmlua,python3")
    args = parser.parse_args()
    names = args.kernels.split(",")
    starts = {n: [] for n in names}
    executes = {n: [] for n in names}
    for _ in range(args.rounds):
        for name in names:
            km, kc, took = start(name)
            starts[name].append(took)
            round_trips(kc, TRIVIAL.get(name, ""), 20)  # warm-up
            executes[name].append(round_trips(kc, TRIVIAL.get(name, ""), args.executes))
            kc.stop_channels()
            km.shutdown_kernel(now=True)
    print("| kernel | start to kernel_info_reply | trivial execute round trip |")
    print("| --- | --- | --- |")
    for name in names:
        print(f"| {name} | {statistics.median(starts[name]) * 1000:.1f} ms | {statistics.median(executes[name]) * 1000:.2f} ms |")


if __name__ == "__main__":
    main()
