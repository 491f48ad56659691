// Debian's cmark-gfm (libcmark-gfm-dev, libcmark-gfm-extensions-dev): CommonMark with
// GitHub's extensions (tables, strikethrough, autolinks, tag filter, task lists).
#include <cmark-gfm.h>
#include <cmark-gfm-core-extensions.h>
