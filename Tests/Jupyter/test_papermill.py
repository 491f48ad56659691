"""Papermill with -p runs a shipped notebook on the kernel: the parameters go into a
cell tagged injected-parameters right after the one tagged parameters, as Lua, and the
run uses them. Needs papermill-lstmlua (Scripts/jupyter) installed and JUPYTER_PATH.

The same parameters given to `lstmlua replay -p ... -o OUT.lua` inject the same cell.

usage: test_papermill.py NOTEBOOKS_DIR WORK_DIR LSTMLUA"""

import json
import os
import shutil
import subprocess
import sys

import jupytext

source, work, lstmlua = sys.argv[1:4]
folder = os.path.join(work, "Notebooks")
shutil.copytree(source, folder)
nb = jupytext.read(os.path.join(folder, "sine_lstm.lua"))
nb.metadata["kernelspec"] = {"name": "lstmlua", "display_name": "lstmlua", "language": "lua"}
jupytext.write(nb, os.path.join(folder, "sine_lstm.ipynb"))
run = subprocess.run([sys.executable, "-m", "papermill", "sine_lstm.ipynb", "out.ipynb",
                      "-p", "iterations", "300", "-p", "hidden_size", "8", "-p", "label", 'say "hi"\n'],
                     cwd=folder, capture_output=True, text=True)
assert run.returncode == 0, run.stderr
out = json.load(open(os.path.join(folder, "out.ipynb")))
tags = [c["metadata"].get("tags", []) for c in out["cells"]]
at = tags.index(["parameters"])
assert tags[at + 1] == ["injected-parameters"], tags
injected = "".join(out["cells"][at + 1]["source"])
assert injected == '-- Parameters\niterations = 300\nhidden_size = 8\nlabel = "say \\"hi\\"\\n"\n', repr(injected)
printed = "".join("".join(o.get("text", "")) for c in out["cells"] if c["cell_type"] == "code" for o in c["outputs"])
assert "iteration  300" in printed and "iteration  600" not in printed, printed
assert "rnn.weight_hh_l0   32 x 8" in printed, printed
# lstmlua's own -p: the same cell, in the same place, and the run used it
run = subprocess.run([lstmlua, "replay", "sine_lstm.lua", "-p", "iterations", "300", "-p", "hidden_size", "8",
                      "-p", "label", 'say "hi"\n', "-o", "out.lua"], cwd=folder, capture_output=True, text=True)
assert run.returncode == 0, run.stderr
ours = jupytext.read(os.path.join(folder, "out.lua"))
our_tags = [c.metadata.get("tags", []) for c in ours.cells]
assert our_tags.index(["injected-parameters"]) == our_tags.index(["parameters"]) + 1, our_tags
our_cell = ours.cells[our_tags.index(["injected-parameters"])].source
assert our_cell.startswith(injected.rstrip("\n")), (our_cell, injected)
with open(os.path.join(folder, "out.lua")) as f:
    text = f.read()
assert "--| iteration  300" in text and "--| iteration  600" not in text, text
with open(os.path.join(folder, "sine_lstm.lua")) as f:
    assert "injected-parameters" not in f.read(), "the input notebook is left as it was"
print("papermill ran the notebook with its parameters, and lstmlua replay -p injected the same cell")
