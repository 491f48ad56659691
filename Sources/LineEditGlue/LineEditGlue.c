// wcwidth is X/Open.
#define _GNU_SOURCE

#include "LineEditGlue.h"

#include <histedit.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

struct le_Editor {
    EditLine *el;
    HistoryW *history;
    char *history_path;
    char *prompt;
    le_Completer completer;
    int interrupted;
    int redisplay;
    int bracketed_paste;
    char *line;
    // A multi-line paste: the whole entry it made (UTF-8), and its lines after the
    // first, which le_read echoes under the prompt.
    char *pasted;
    char *pasted_rest;
};

// ---- UTF-8 <-> wide text ----------------------------------------------------------
// Terminal text is UTF-8 whatever the locale says (see le_use_utf8_locale); these
// convert through the locale, and a character it cannot convert becomes U+FFFD or '?'
// instead of ending the text.

static char *to_utf8(const wchar_t *text, size_t count) {
    char *out = malloc(count * MB_LEN_MAX + 1);
    if (!out) return NULL;
    size_t n = 0;
    mbstate_t state;
    memset(&state, 0, sizeof state);
    for (size_t i = 0; i < count; i++) {
        size_t k = wcrtomb(out + n, text[i], &state);
        if (k == (size_t)-1) {
            memset(&state, 0, sizeof state);
            out[n++] = '?';
        } else {
            n += k;
        }
    }
    out[n] = '\0';
    return out;
}

static wchar_t *from_utf8(const char *text) {
    size_t length = strlen(text);
    wchar_t *out = malloc((length + 1) * sizeof *out);
    if (!out) return NULL;
    size_t n = 0;
    mbstate_t state;
    memset(&state, 0, sizeof state);
    const char *p = text, *end = text + length;
    while (p < end) {
        wchar_t c;
        size_t k = mbrtowc(&c, p, (size_t)(end - p), &state);
        if (k == (size_t)-1 || k == (size_t)-2) {
            memset(&state, 0, sizeof state);
            out[n++] = 0xFFFD;
            p++;
            continue;
        }
        if (k == 0) break;
        out[n++] = c;
        p += k;
    }
    out[n] = L'\0';
    return out;
}

int le_use_utf8_locale(void) {
    const char *name = setlocale(LC_CTYPE, "");
    if (name && strcmp(nl_langinfo(CODESET), "UTF-8") == 0) return 1;
    // LANG unset, C, POSIX or a legacy charset: terminals send UTF-8 all the same.
    static const char *const fallbacks[] = {"C.UTF-8", "C.utf8", "en_US.UTF-8", "UTF-8"};
    for (size_t i = 0; i < sizeof fallbacks / sizeof *fallbacks; i++) {
        if (setlocale(LC_CTYPE, fallbacks[i]) && strcmp(nl_langinfo(CODESET), "UTF-8") == 0) return 1;
    }
    if (!name) setlocale(LC_CTYPE, "C");
    return 0;
}

// ---- Callbacks ------------------------------------------------------------------------

static le_Editor *editor_of(EditLine *el) {
    le_Editor *ed = NULL;
    el_get(el, EL_CLIENTDATA, &ed);
    return ed;
}

static const char *prompt_of(EditLine *el) {
    le_Editor *ed = editor_of(el);
    return ed && ed->prompt ? ed->prompt : "";
}

static unsigned char complete(EditLine *el, int ch) {
    (void)ch;
    le_Editor *ed = editor_of(el);
    if (!ed || !ed->completer) return CC_ERROR;
    const LineInfoW *li = el_wline(el);
    char *before = to_utf8(li->buffer, (size_t)(li->cursor - li->buffer));
    char *after = to_utf8(li->cursor, (size_t)(li->lastchar - li->cursor));
    if (!before || !after) { free(before); free(after); return CC_ERROR; }
    size_t cursor = strlen(before);
    char *line = malloc(cursor + strlen(after) + 1);
    if (!line) { free(before); free(after); return CC_ERROR; }
    strcpy(line, before);
    strcat(line, after);
    ed->redisplay = 0;
    ed->completer(ed, line, (int)cursor);
    free(line);
    free(before);
    free(after);
    return ed->redisplay ? CC_REDISPLAY : CC_REFRESH;
}

// Ctrl-C at the prompt: finish the read with the line marked as cancelled.
static unsigned char interrupt(EditLine *el, int ch) {
    (void)ch;
    le_Editor *ed = editor_of(el);
    if (ed) ed->interrupted = 1;
    return CC_NEWLINE;
}

// Replaces the whole edit buffer with `text`.
static void set_line(EditLine *el, const wchar_t *text) {
    const LineInfoW *li = el_wline(el);
    el_cursor(el, (int)(li->lastchar - li->cursor));
    li = el_wline(el);
    el_wdeletestr(el, (int)(li->cursor - li->buffer));
    el_winsertstr(el, text);
}

// Screen columns one character takes as libedit draws it: control characters as
// ^X, wide (CJK, emoji) characters as two.
static int char_width(wchar_t c) {
    if (c < 0x20 || c == 0x7f) return 2;
    int w = wcwidth(c);
    return w < 0 ? 1 : w;
}

static int wide_width(const wchar_t *text, size_t count) {
    int width = 0;
    for (size_t i = 0; i < count && text[i]; i++) width += char_width(text[i]);
    return width;
}

static int display_width(const char *text) {
    wchar_t *wide = from_utf8(text);
    if (!wide) return (int)strlen(text);
    int width = wide_width(wide, wcslen(wide));
    free(wide);
    return width;
}

static int columns_of(EditLine *el) {
    int columns = 0;
    if (el_get(el, EL_GETTC, "co", &columns) != 0 || columns <= 0) columns = 80;
    return columns;
}

// Can the terminal move the cursor and take escape sequences? Not when TERM is
// unset or "dumb": libedit then redraws with CR and backspaces only, and so do we.
static int terminal_draws(void) {
    const char *term = getenv("TERM");
    return term && *term && strcmp(term, "dumb") != 0;
}

// Moves to the start of the first row of a drawing `drawn` columns wide whose end the
// cursor is at, and clears from there down. A drawing that fills its last row
// exactly leaves the cursor at the start of the next one (libedit wraps it so).
static void clear_drawing(EditLine *el, int drawn) {
    FILE *out = NULL;
    if (el_get(el, EL_GETFP, 1, &out) != 0 || !out) out = stdout;
    int columns = columns_of(el);
    if (terminal_draws()) {
        for (int rows = drawn / columns; rows > 0; rows--) fputs("\x1b[A", out);
        fputs("\r\x1b[J", out);
    } else {
        // Only the last row can be blanked without moving up.
        fputc('\r', out);
        for (int i = drawn % columns; i > 0; i--) fputc(' ', out);
        fputc('\r', out);
    }
    fflush(out);
}

// Redraws prompt and line over the previous drawing; libedit's EL_REFRESH assumes
// the cursor is already where the prompt starts.
static void redraw(EditLine *el, int drawn) {
    clear_drawing(el, drawn);
    el_set(el, EL_REFRESH);
}

// The `skip`-th most recent history entry containing `query`, or NULL.
static const wchar_t *history_match(HistoryW *h, const wchar_t *query, int skip) {
    HistEventW ev;
    for (int ok = history_w(h, &ev, H_FIRST); ok >= 0; ok = history_w(h, &ev, H_NEXT)) {
        if (wcsstr(ev.str, query) && skip-- == 0) return ev.str;
    }
    return NULL;
}

static wchar_t *wide_dup(const wchar_t *text, size_t count) {
    wchar_t *out = malloc((count + 1) * sizeof *out);
    if (!out) return NULL;
    wmemcpy(out, text, count);
    out[count] = L'\0';
    return out;
}

// Ctrl-R as in readline: type to search back through history, Ctrl-R again for an
// older match, Enter runs the match, any other key keeps it for editing, Ctrl-G
// or Ctrl-C gives up. (libedit's own em-inc-search-prev loses its matches here.)
static unsigned char reverse_search(EditLine *el, int ch) {
    (void)ch;
    le_Editor *ed = editor_of(el);
    if (!ed || !ed->history) return CC_ERROR;
    const LineInfoW *li = el_wline(el);
    wchar_t *original = wide_dup(li->buffer, (size_t)(li->lastchar - li->buffer));
    wchar_t *match = wide_dup(li->buffer, (size_t)(li->lastchar - li->buffer));
    if (!original || !match) { free(original); free(match); return CC_ERROR; }
    char *saved_prompt = ed->prompt;
    wchar_t query[256] = L"";
    size_t length = 0;
    int skip = 0;
    int drawn = display_width(saved_prompt ? saved_prompt : "") + wide_width(li->buffer, (size_t)(li->cursor - li->buffer));
    for (;;) {
        const wchar_t *found = length ? history_match(ed->history, query, skip) : NULL;
        if (found) {
            wchar_t *copy = wide_dup(found, wcslen(found));
            if (copy) { free(match); match = copy; }
        } else if (skip > 0) {
            skip--;
        }
        char *query_utf8 = to_utf8(query, length);
        char prompt[1100];
        snprintf(prompt, sizeof prompt, "(%sreverse-i-search)`%s': ",
                 length && !found ? "failed " : "", query_utf8 ? query_utf8 : "");
        free(query_utf8);
        ed->prompt = prompt;
        set_line(el, match);
        redraw(el, drawn);
        drawn = display_width(prompt) + wide_width(match, wcslen(match));
        wchar_t c = 0;
        if (el_wgetc(el, &c) != 1) { set_line(el, original); break; }
        if (c == 0x12) { if (found) skip++; continue; }
        if (c == 0x7f || c == 0x08) {
            if (length) query[--length] = L'\0';
            skip = 0;
            continue;
        }
        if (c == 0x07 || c == 0x03) { set_line(el, original); break; }
        // Enter goes back to libedit's own newline, which ends the line properly.
        if (c == L'\r' || c == L'\n') { el_wpush(el, L"\n"); break; }
        if (c >= 0x20) {
            if (length + 1 < sizeof query / sizeof *query) { query[length++] = c; query[length] = L'\0'; }
            skip = 0;
            continue;
        }
        // Any other control key ends the search and then does its usual job.
        wchar_t again[2] = {c, L'\0'};
        el_wpush(el, again);
        break;
    }
    ed->prompt = saved_prompt;
    free(original);
    free(match);
    // Leave the line on screen as the normal prompt shows it, nothing of the search behind.
    redraw(el, drawn);
    return CC_REFRESH;
}

// ---- Bracketed paste -----------------------------------------------------------------
// The terminal wraps pasted text in ESC[200~ ... ESC[201~. A paste of one line is
// inserted for editing; a paste of several lines is one entry, run at once, so that
// its `local`s reach every line (each line typed is a chunk of its own).

static const wchar_t paste_end[] = L"\x1b[201~";

static unsigned char paste(EditLine *el, int ch) {
    (void)ch;
    le_Editor *ed = editor_of(el);
    if (!ed) return CC_ERROR;
    size_t capacity = 256, length = 0, end_length = wcslen(paste_end);
    wchar_t *text = malloc(capacity * sizeof *text);
    if (!text) return CC_ERROR;
    for (;;) {
        wchar_t c;
        if (el_wgetc(el, &c) != 1) break;
        if (length + 2 > capacity) {
            wchar_t *bigger = realloc(text, 2 * capacity * sizeof *text);
            if (!bigger) break;
            text = bigger;
            capacity *= 2;
        }
        text[length++] = c;
        if (length >= end_length && wmemcmp(text + length - end_length, paste_end, end_length) == 0) {
            length -= end_length;
            break;
        }
    }
    // Terminals send a pasted newline as CR (and a Windows file's as CR LF).
    size_t n = 0;
    for (size_t i = 0; i < length; i++) {
        if (text[i] == L'\r') {
            text[n++] = L'\n';
            if (i + 1 < length && text[i + 1] == L'\n') i++;
        } else {
            text[n++] = text[i];
        }
    }
    text[n] = L'\0';
    // A trailing newline ends the line, as Enter would; it is not part of the entry.
    size_t pasted = n;
    while (n > 0 && text[n - 1] == L'\n') text[--n] = L'\0';
    int ends_line = n < pasted;
    if (!wcschr(text, L'\n') && !(ends_line && n > 0)) {
        // One line and no newline: inserted for editing, as if typed.
        el_winsertstr(el, text);
        free(text);
        if (ends_line) { el_wpush(el, L"\n"); }
        return CC_REFRESH;
    }
    const LineInfoW *li = el_wline(el);
    size_t before = (size_t)(li->cursor - li->buffer), after = (size_t)(li->lastchar - li->cursor);
    wchar_t *entry = malloc((before + n + after + 1) * sizeof *entry);
    if (!entry) { free(text); return CC_ERROR; }
    wmemcpy(entry, li->buffer, before);
    wmemcpy(entry + before, text, n);
    wmemcpy(entry + before + n, li->cursor, after);
    entry[before + n + after] = L'\0';
    free(text);
    free(ed->pasted);
    free(ed->pasted_rest);
    ed->pasted = to_utf8(entry, wcslen(entry));
    // The first line stays on the prompt's line (tabs shown as spaces, as the
    // terminal shows the rest); le_read prints the others.
    wchar_t *newline = wcschr(entry, L'\n');
    ed->pasted_rest = newline ? to_utf8(newline + 1, wcslen(newline + 1)) : NULL;
    if (newline) *newline = L'\0';
    for (wchar_t *p = entry; *p; p++) if (*p == L'\t') *p = L' ';
    set_line(el, entry);
    free(entry);
    // Shown first, then ended by libedit's own newline.
    el_wpush(el, L"\n");
    return CC_REFRESH;
}

// ---- Keys ------------------------------------------------------------------------------
// libedit binds the arrows, Home, End and Delete that terminfo names for $TERM, but
// terminals send other variants: xterm sends ESC[H in its normal mode where terminfo
// names the application mode's ESC OH (libedit never switches modes), a terminal
// whose TERM is wrong sends another family's (VT220's ESC[1~ from tmux, screen and
// the Linux console), and Ctrl-arrows and PageUp/Down have no binding at all.
// Unbound, a sequence's tail was typed in as text ("~"). These are every common one.

static void bind_keys(EditLine *el) {
    static const char *const bindings[][2] = {
        {"\\e[1~", "ed-move-to-beg"}, {"\\e[7~", "ed-move-to-beg"}, {"\\e[H", "ed-move-to-beg"}, {"\\eOH", "ed-move-to-beg"},
        {"\\e[4~", "ed-move-to-end"}, {"\\e[8~", "ed-move-to-end"}, {"\\e[F", "ed-move-to-end"}, {"\\eOF", "ed-move-to-end"},
        {"\\e[3~", "ed-delete-next-char"},
        // Ctrl (and Alt) with Left/Right: xterm and tmux, rxvt, and the ESC-prefixed
        // form some terminals use for Alt.
        {"\\e[1;5D", "ed-prev-word"}, {"\\e[1;5C", "em-next-word"},
        {"\\e[1;3D", "ed-prev-word"}, {"\\e[1;3C", "em-next-word"},
        {"\\e[5D", "ed-prev-word"}, {"\\e[5C", "em-next-word"},
        {"\\eOd", "ed-prev-word"}, {"\\eOc", "em-next-word"},
        {"\\e\\e[D", "ed-prev-word"}, {"\\e\\e[C", "em-next-word"},
        // PageUp/PageDown: back and forth through history entries starting like the line.
        {"\\e[5~", "ed-search-prev-history"}, {"\\e[6~", "ed-search-next-history"},
        // Ctrl-Delete deletes a word, as in shells.
        {"\\e[3;5~", "em-delete-next-word"},
    };
    for (size_t i = 0; i < sizeof bindings / sizeof *bindings; i++) {
        el_set(el, EL_BIND, bindings[i][0], bindings[i][1], NULL);
    }
}

// ---- The editor -------------------------------------------------------------------------

le_Editor *le_open(const char *program, const char *history_path, int history_size) {
    le_Editor *ed = calloc(1, sizeof *ed);
    if (!ed) return NULL;
    // libedit decides at el_init whether it reads UTF-8.
    le_use_utf8_locale();
    ed->el = el_init(program, stdin, stdout, stderr);
    if (!ed->el) { free(ed); return NULL; }
    ed->bracketed_paste = terminal_draws();
    el_set(ed->el, EL_CLIENTDATA, ed);
    el_set(ed->el, EL_EDITOR, "emacs");
    el_set(ed->el, EL_PROMPT_ESC, prompt_of, '\1');
    // ^C reaches the editor as a key, not as SIGINT, while a line is edited.
    el_set(ed->el, EL_SETTY, "-d", "-isig", NULL);
    el_set(ed->el, EL_ADDFN, "lstmlua-complete", "complete a name", complete);
    el_set(ed->el, EL_BIND, "^I", "lstmlua-complete", NULL);
    el_set(ed->el, EL_ADDFN, "lstmlua-interrupt", "cancel the line", interrupt);
    el_set(ed->el, EL_BIND, "^C", "lstmlua-interrupt", NULL);
    el_set(ed->el, EL_ADDFN, "lstmlua-reverse-search", "search history", reverse_search);
    el_set(ed->el, EL_BIND, "^R", "lstmlua-reverse-search", NULL);
    el_set(ed->el, EL_ADDFN, "lstmlua-paste", "take a bracketed paste", paste);
    el_set(ed->el, EL_BIND, "\\e[200~", "lstmlua-paste", NULL);
    bind_keys(ed->el);

    HistEventW ev;
    ed->history = history_winit();
    if (ed->history) {
        history_w(ed->history, &ev, H_SETSIZE, history_size);
        history_w(ed->history, &ev, H_SETUNIQUE, 1);
        if (history_path) {
            ed->history_path = strdup(history_path);
            history_w(ed->history, &ev, H_LOAD, history_path);
        }
        el_wset(ed->el, EL_HIST, history_w, ed->history);
    }
    return ed;
}

void le_close(le_Editor *ed) {
    if (!ed) return;
    el_end(ed->el);
    if (ed->history) history_wend(ed->history);
    free(ed->history_path);
    free(ed->prompt);
    free(ed->line);
    free(ed->pasted);
    free(ed->pasted_rest);
    free(ed);
}

void le_set_completer(le_Editor *ed, le_Completer completer) { ed->completer = completer; }

const char *le_read(le_Editor *ed, const char *prompt, const char *continuation, int *status) {
    free(ed->prompt);
    ed->prompt = strdup(prompt);
    ed->interrupted = 0;
    free(ed->pasted);
    free(ed->pasted_rest);
    ed->pasted = ed->pasted_rest = NULL;
    // Bracketed paste only while a line is read: output and other programs run
    // with the terminal as they found it.
    if (ed->bracketed_paste) { fputs("\x1b[?2004h", stdout); fflush(stdout); }
    int count = 0;
    const wchar_t *s = el_wgets(ed->el, &count);
    if (ed->bracketed_paste) { fputs("\x1b[?2004l", stdout); fflush(stdout); }
    free(ed->line);
    ed->line = NULL;
    if (ed->interrupted) {
        *status = LE_INTERRUPTED;
        return "";
    }
    if (ed->pasted) {
        if (ed->pasted_rest) {
            for (char *line = ed->pasted_rest; line; ) {
                char *next = strchr(line, '\n');
                if (next) *next++ = '\0';
                fputs(continuation, stdout);
                fputs(line, stdout);
                fputs("\n", stdout);
                line = next;
            }
            fflush(stdout);
        }
        ed->line = ed->pasted;
        ed->pasted = NULL;
        *status = LE_LINE;
        return ed->line;
    }
    if (s == NULL || count <= 0) {
        *status = LE_EOF;
        return NULL;
    }
    ed->line = to_utf8(s, wcslen(s));
    if (!ed->line) {
        *status = LE_EOF;
        return NULL;
    }
    size_t n = strlen(ed->line);
    if (n > 0 && ed->line[n - 1] == '\n') ed->line[n - 1] = '\0';
    *status = LE_LINE;
    return ed->line;
}

void le_add_history(le_Editor *ed, const char *entry) {
    if (!ed->history || entry[0] == '\0') return;
    wchar_t *wide = from_utf8(entry);
    if (!wide) return;
    HistEventW ev;
    history_w(ed->history, &ev, H_ENTER, wide);
    free(wide);
    if (ed->history_path) history_w(ed->history, &ev, H_SAVE, ed->history_path);
}

void le_insert(le_Editor *ed, const char *text) {
    wchar_t *wide = from_utf8(text);
    if (!wide) return;
    el_winsertstr(ed->el, wide);
    free(wide);
}

int le_columns(le_Editor *ed) { return columns_of(ed->el); }

void le_show_candidates(le_Editor *ed, const char *text) {
    fputs("\n", stdout);
    fputs(text, stdout);
    fputs("\n", stdout);
    fflush(stdout);
    ed->redisplay = 1;
}
