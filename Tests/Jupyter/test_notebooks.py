"""Every shipped notebook through the kernel: `jupytext --to ipynb` of Notebooks/NB.lua,
executed by nbclient on kernel `lstmlua` (no error but in cells tagged raises-exception,
which nbclient honours), gives what `lstmlua replay` gives (the
replayed copy exported with `lstmlua export --to ipynb`): the same printed text and
values (numbers within 1e-6 relative), the same errors and figures of the same size.
Progress bars are compared by their last state: a replay writes them on stderr, the
kernel shows them as one display updated in place.

usage: test_notebooks.py LSTMLUA NOTEBOOKS_DIR WORK_DIR"""

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import base64

import jupytext
import nbclient

lstmlua, source, work = sys.argv[1:4]
shutil.copytree(source, os.path.join(work, "Notebooks"))
folder = os.path.join(work, "Notebooks")
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
BAR = re.compile(r"\d+%\|.*\| \d+/\d+ \[")
LOCATION = re.compile(r"^(?:\[cell \d+\]|[\w.]+\.lua):\d+: ", re.M)


def same_text(a, b):
    a, b = LOCATION.sub("", a), LOCATION.sub("", b)
    if NUMBER.sub("#", a) != NUMBER.sub("#", b):
        return False
    for x, y in zip(NUMBER.findall(a), NUMBER.findall(b)):
        x, y = float(x), float(y)
        if abs(x - y) > 1e-6 * max(1.0, abs(x), abs(y)):
            return False
    return True


def png_size(b64):
    data = base64.b64decode(b64)
    return struct.unpack(">II", data[16:24])


def text(value):
    return "".join(value) if isinstance(value, list) else value


def summary(outputs):
    """(kind, text) per output, streams joined by name; the last bar line apart."""
    items, bar = [], None
    streams = {"stdout": "", "stderr": ""}
    for o in outputs:
        t = o["output_type"]
        if t == "stream":
            lines = []
            for line in text(o["text"]).splitlines(keepends=True):
                if BAR.search(line):
                    bar = line.strip()
                else:
                    lines.append(line)
            streams[o["name"]] += "".join(lines)
        elif t in ("display_data", "execute_result") and "image/png" in o["data"]:
            items.append(("image", png_size(o["data"]["image/png"])))
        elif t == "display_data" and BAR.search(text(o["data"].get("text/plain", ""))):
            bar = text(o["data"]["text/plain"]).strip()
        elif t == "execute_result":
            items.append(("value", text(o["data"]["text/plain"])))
        elif t == "error":
            items.append(("error", o["evalue"]))
    for name in ("stdout", "stderr"):
        if streams[name]:
            items.append((name, streams[name]))
    if bar:
        items.append(("bar", re.sub(r" \[.*", "", bar)))
    return items


failures = []
names = sorted(f for f in os.listdir(folder) if f.endswith(".lua"))
for name in names:
    path = os.path.join(folder, name)
    replayed = os.path.join(folder, "replayed-" + name)
    shutil.copy(path, replayed)
    # the replay runs in the notebook's folder, as the kernel does
    subprocess.run([lstmlua, "replay", "--update", os.path.basename(replayed)], cwd=folder, capture_output=True, check=True)
    expected_path = os.path.join(work, name + ".expected.ipynb")
    subprocess.run([lstmlua, "export", replayed, "--to", "ipynb", "-o", expected_path], check=True, capture_output=True)
    expected = json.load(open(expected_path))
    nb = jupytext.read(path)
    nb.metadata["kernelspec"] = {"name": "lstmlua", "display_name": "lstmlua", "language": "lua"}
    client = nbclient.NotebookClient(nb, kernel_name="lstmlua", timeout=300, allow_errors=False,
                                     resources={"metadata": {"path": folder}})
    client.execute()
    got = [c for c in nb.cells if c.cell_type == "code"]
    want = [c for c in expected["cells"] if c["cell_type"] == "code"]
    if len(got) != len(want):
        failures.append(f"{name}: {len(got)} code cells through the kernel, {len(want)} in the export")
        continue
    for i, (g, w) in enumerate(zip(got, want), 1):
        tags = set(w.get("metadata", {}).get("tags", []))
        if "nbval-ignore-output" in tags:
            continue
        a, b = summary(g.outputs), summary(w["outputs"])
        ok = len(a) == len(b) and all(x[0] == y[0] and (same_text(x[1], y[1]) if isinstance(x[1], str) else x[1] == y[1])
                                      for x, y in zip(a, b))
        if not ok:
            failures.append(f"{name} code cell {i}:\n  kernel: {a}\n  replay: {b}")
    print(f"{name}: {len(got)} code cells compared")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("all notebooks match")
