"""Papermill parameters as Lua: `-p lr 0.005 -p name sine` injects `lr = 0.005` and
`name = "sine"` after the cell tagged `parameters`. The engine's entry point is what
loads this module, and so registers the translator (see papermill_lstmlua)."""

import math

from papermill.engines import NBClientEngine
from papermill.translators import Translator, papermill_translators


class LuaTranslator(Translator):
    @classmethod
    def translate_none(cls, val):
        return "nil"

    @classmethod
    def translate_escaped_str(cls, str_val):
        escapes = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}
        body = "".join(escapes.get(c, c if c >= " " else f"\\{ord(c)}") for c in str(str_val))
        return f'"{body}"'

    @classmethod
    def translate_float(cls, val):
        if math.isnan(val):
            return "(0/0)"
        if math.isinf(val):
            return "math.huge" if val > 0 else "-math.huge"
        return repr(val)

    @classmethod
    def translate_list(cls, val):
        return "{" + ", ".join(cls.translate(v) for v in val) + "}"

    @classmethod
    def translate_dict(cls, val):
        return "{" + ", ".join(f"[{cls.translate_escaped_str(k)}] = {cls.translate(v)}" for k, v in val.items()) + "}"

    @classmethod
    def comment(cls, cmt_str):
        return f"-- {cmt_str}".strip()


papermill_translators.register("lua", LuaTranslator)
papermill_translators.register("lstmlua", LuaTranslator)


class LstmluaEngine(NBClientEngine):
    """Papermill's nbclient engine; its entry point is what loads the translator."""
