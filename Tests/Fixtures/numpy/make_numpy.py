#!/usr/bin/env python3
"""Files written by NumPy itself, for lstmlua's .npy/.npz reader tests.

Usage: make_numpy.py OUT_DIR   (needs numpy)
"""
import os, sys
import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
p = lambda name: os.path.join(out, name)
np.save(p("float64.npy"), np.arange(12, dtype=np.float64).reshape(3, 4) / 8)
np.save(p("float32_be.npy"), np.array([1.5, -2.25, 3], dtype=">f4"))
np.save(p("int64.npy"), np.array([2**53 + 1, -7], dtype=np.int64))
np.save(p("int32_fortran.npy"), np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3)))
np.save(p("bool.npy"), np.array([[True, False], [False, True]]))
np.save(p("uint8.npy"), np.array([0, 200, 255], dtype=np.uint8))
np.save(p("float16.npy"), np.array([0.5, 1024], dtype=np.float16))
np.save(p("scalar.npy"), np.float64(2.5))
np.savez(p("arrays.npz"), x=np.ones((2, 2), dtype=np.float32), y=np.array([1, 2, 3]))
np.savez_compressed(p("compressed.npz"), x=np.linspace(0, 1, 5))
