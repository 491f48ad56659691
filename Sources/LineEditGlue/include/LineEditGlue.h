// LineEditGlue: the REPL's line editor over libedit (BSD editline). libedit's
// configuration calls (el_set, history) are variadic and cannot be called from
// Swift, so this small layer sets up what lstmlua needs: emacs keys (and the
// Home/End/Delete/Ctrl-arrow variants terminals send), Ctrl-R search, a history
// file, TAB completion through a callback, bracketed paste, and Ctrl-C that clears
// the line instead of stopping the program. Text in and out is UTF-8; libedit
// works on wide characters underneath.
#ifndef LINEEDITGLUE_H
#define LINEEDITGLUE_H

typedef struct le_Editor le_Editor;

/// Called on TAB with the line so far and the cursor's byte offset; it answers by
/// calling le_insert and/or le_show_candidates.
typedef void (*le_Completer)(le_Editor *editor, const char *line, int cursor);

enum { LE_LINE = 0, LE_EOF = 1, LE_INTERRUPTED = 2 };

/// Makes LC_CTYPE a UTF-8 locale: the environment's when it is one, else C.UTF-8
/// (a terminal sends UTF-8 even when LANG is unset or C). 0 when none is available.
int le_use_utf8_locale(void);

/// Opens an editor on the terminal. history_path may be NULL (no history file).
le_Editor *le_open(const char *program, const char *history_path, int history_size);
void le_close(le_Editor *editor);

void le_set_completer(le_Editor *editor, le_Completer completer);

/// Reads one line (without its newline). *status is LE_LINE, LE_EOF (Ctrl-D on an
/// empty line) or LE_INTERRUPTED (Ctrl-C). A paste of several lines comes back
/// whole, newlines included, its lines after the first echoed after `continuation`.
/// The result lives until the next call.
const char *le_read(le_Editor *editor, const char *prompt, const char *continuation, int *status);

/// The terminal's width in columns.
int le_columns(le_Editor *editor);

/// Adds an entry (it may span several lines) to the history and saves the file.
void le_add_history(le_Editor *editor, const char *entry);

/// During completion: inserts text at the cursor.
void le_insert(le_Editor *editor, const char *text);
/// During completion: prints candidates under the line; the line is redrawn after.
void le_show_candidates(le_Editor *editor, const char *text);

#endif
