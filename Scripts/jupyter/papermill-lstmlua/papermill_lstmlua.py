"""Papermill parameters as Lua for lstmlua's kernel. Importing papermill loads the
translator through the engine's entry point (papermill_lstmlua_engine), which must not
be this module: papermill would find it half-imported when this is imported first."""

import papermill  # noqa: F401  (registers the translator)
from papermill_lstmlua_engine import LstmluaEngine, LuaTranslator  # noqa: F401
