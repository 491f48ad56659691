"""Jupyter's kernel conformance suite (jupyter_kernel_test) against `lstmlua kernel`,
with lstmlua's samples for every test it offers. Run by Tests/CLITests/JupyterKernelTests.swift
with JUPYTER_PATH pointing at a temporary prefix the kernel was installed into."""

import unittest

import jupyter_kernel_test


class LstmluaKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "lstmlua"
    language_name = "lua"
    file_extension = ".lua"

    code_hello_world = 'print("hello, world")'
    code_stderr = 'io.stderr:write("an error line\\n")'

    completion_samples = [
        {"text": "torch.zer", "matches": {"torch.zeros", "torch.zeros_like"}},
        {"text": "s = string.up", "matches": {"string.upper"}},
        {"text": "pri", "matches": {"print"}},
    ]

    complete_code_samples = ["1 + 1", "x = 2", "for i = 1, 3 do print(i) end", "local t = {}\nt", "x = 1;"]
    incomplete_code_samples = ["for i = 1, 3 do", "function f(x)", "t = {", "s = [[long"]
    invalid_code_samples = ["x = = 1", "end", "print('unfinished)"]

    code_page_something = "?torch.zeros"

    code_generate_error = 'error("boom")'

    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "'lua' .. 5.4", "result": '"lua5.4"'},
        {"code": "x = 6\nx * 7", "result": "42"},
        {"code": "torch.tensor{1, 2}", "mime": "text/plain"},
    ]

    code_display_data = [
        {"code": "fig = plot.figure{title = 'sine'}; fig:line({1, 2, 3}, {0, 1, 0}); fig:show()", "mime": "image/png"},
        {"code": "fig = plot.figure(); fig:line({1, 2, 3}, {0, 1, 0}); fig:show()", "mime": "image/svg+xml"},
    ]

    code_history_pattern = "1 + ?"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "torch.zeros"

    code_clear_output = "print('soon gone'); display.clear()"


if __name__ == "__main__":
    unittest.main()
