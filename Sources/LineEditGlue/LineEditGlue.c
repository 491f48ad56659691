#include "LineEditGlue.h"

#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct le_Editor {
    EditLine *el;
    History *history;
    char *history_path;
    char *prompt;
    le_Completer completer;
    int interrupted;
    int redisplay;
    char *line;
};

static const char *prompt_of(EditLine *el) {
    le_Editor *ed = NULL;
    el_get(el, EL_CLIENTDATA, &ed);
    return ed && ed->prompt ? ed->prompt : "";
}

static unsigned char complete(EditLine *el, int ch) {
    (void)ch;
    le_Editor *ed = NULL;
    el_get(el, EL_CLIENTDATA, &ed);
    if (!ed || !ed->completer) return CC_ERROR;
    const LineInfo *li = el_line(el);
    size_t n = (size_t)(li->lastchar - li->buffer);
    char *line = malloc(n + 1);
    if (!line) return CC_ERROR;
    memcpy(line, li->buffer, n);
    line[n] = '\0';
    ed->redisplay = 0;
    ed->completer(ed, line, (int)(li->cursor - li->buffer));
    free(line);
    return ed->redisplay ? CC_REDISPLAY : CC_REFRESH;
}

// Ctrl-C at the prompt: finish the read with the line marked as cancelled.
static unsigned char interrupt(EditLine *el, int ch) {
    (void)ch;
    le_Editor *ed = NULL;
    el_get(el, EL_CLIENTDATA, &ed);
    if (ed) ed->interrupted = 1;
    return CC_NEWLINE;
}

// Replaces the whole edit buffer with `text`.
static void set_line(EditLine *el, const char *text) {
    const LineInfo *li = el_line(el);
    el_cursor(el, (int)(li->lastchar - li->cursor));
    li = el_line(el);
    el_deletestr(el, (int)(li->cursor - li->buffer));
    el_insertstr(el, text);
}

// Screen columns `text` takes as libedit draws it: control characters as ^X,
// UTF-8 continuation bytes as nothing.
static int display_width(const char *text) {
    int width = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if ((*p & 0xC0) == 0x80) continue;
        width += *p < 0x20 || *p == 0x7f ? 2 : 1;
    }
    return width;
}

// Redraws prompt and line from the first row the previous drawing (of `drawn`
// columns, cursor at its end) began on; libedit's EL_REFRESH assumes the cursor is
// already there.
static void redraw(EditLine *el, int drawn) {
    int columns = 0;
    if (el_get(el, EL_GETTC, "co", &columns) != 0 || columns <= 0) columns = 80;
    FILE *out = NULL;
    if (el_get(el, EL_GETFP, 1, &out) != 0 || !out) out = stdout;
    for (int rows = drawn / columns; rows > 0; rows--) fputs("\x1b[A", out);
    fputs("\r\x1b[J", out);
    fflush(out);
    el_set(el, EL_REFRESH);
}

// The `skip`-th most recent history entry containing `query`, or NULL.
static const char *history_match(History *h, const char *query, int skip) {
    HistEvent ev;
    for (int ok = history(h, &ev, H_FIRST); ok >= 0; ok = history(h, &ev, H_NEXT)) {
        if (strstr(ev.str, query) && skip-- == 0) return ev.str;
    }
    return NULL;
}

// Ctrl-R as in readline: type to search back through history, Ctrl-R again for an
// older match, Enter runs the match, any other key keeps it for editing, Ctrl-G
// or Ctrl-C gives up. (libedit's own em-inc-search-prev loses its matches here.)
static unsigned char reverse_search(EditLine *el, int ch) {
    (void)ch;
    le_Editor *ed = NULL;
    el_get(el, EL_CLIENTDATA, &ed);
    if (!ed || !ed->history) return CC_ERROR;
    const LineInfo *li = el_line(el);
    char *original = strndup(li->buffer, (size_t)(li->lastchar - li->buffer));
    char *saved_prompt = ed->prompt;
    char query[256] = "";
    size_t length = 0;
    int skip = 0;
    char *match = strdup(original ? original : "");
    int drawn = display_width(saved_prompt ? saved_prompt : "") + (int)(li->cursor - li->buffer);
    for (;;) {
        const char *found = length ? history_match(ed->history, query, skip) : NULL;
        if (found) {
            free(match);
            match = strdup(found);
        } else if (skip > 0) {
            skip--;
        }
        char prompt[300];
        snprintf(prompt, sizeof prompt, "(%sreverse-i-search)`%s': ",
                 length && !found ? "failed " : "", query);
        ed->prompt = prompt;
        set_line(el, match ? match : "");
        redraw(el, drawn);
        drawn = display_width(prompt) + display_width(match ? match : "");
        char c = 0;
        if (el_getc(el, &c) != 1) { set_line(el, original ? original : ""); break; }
        if (c == 0x12) { if (found) skip++; continue; }
        if (c == 0x7f || c == 0x08) {
            if (length) query[--length] = '\0';
            skip = 0;
            continue;
        }
        if (c == 0x07 || c == 0x03) { set_line(el, original ? original : ""); break; }
        // Enter goes back to libedit's own newline, which ends the line properly.
        if (c == '\r' || c == '\n') { el_push(el, "\n"); break; }
        if ((unsigned char)c >= 0x20) {
            if (length + 1 < sizeof query) { query[length++] = c; query[length] = '\0'; }
            skip = 0;
            continue;
        }
        // Any other control key ends the search and then does its usual job.
        char again[2] = {c, '\0'};
        el_push(el, again);
        break;
    }
    ed->prompt = saved_prompt;
    // Leave the line on screen as the normal prompt would show it.
    redraw(el, drawn);
    free(original);
    free(match);
    return CC_REFRESH;
}

le_Editor *le_open(const char *program, const char *history_path, int history_size) {
    le_Editor *ed = calloc(1, sizeof *ed);
    if (!ed) return NULL;
    ed->el = el_init(program, stdin, stdout, stderr);
    if (!ed->el) { free(ed); return NULL; }
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

    HistEvent ev;
    ed->history = history_init();
    if (ed->history) {
        history(ed->history, &ev, H_SETSIZE, history_size);
        history(ed->history, &ev, H_SETUNIQUE, 1);
        if (history_path) {
            ed->history_path = strdup(history_path);
            history(ed->history, &ev, H_LOAD, history_path);
        }
        el_set(ed->el, EL_HIST, history, ed->history);
    }
    return ed;
}

void le_close(le_Editor *ed) {
    if (!ed) return;
    el_end(ed->el);
    if (ed->history) history_end(ed->history);
    free(ed->history_path);
    free(ed->prompt);
    free(ed->line);
    free(ed);
}

void le_set_completer(le_Editor *ed, le_Completer completer) { ed->completer = completer; }

const char *le_read(le_Editor *ed, const char *prompt, int *status) {
    free(ed->prompt);
    ed->prompt = strdup(prompt);
    ed->interrupted = 0;
    int count = 0;
    const char *s = el_gets(ed->el, &count);
    free(ed->line);
    ed->line = NULL;
    if (ed->interrupted) {
        *status = LE_INTERRUPTED;
        return "";
    }
    if (s == NULL || count <= 0) {
        *status = LE_EOF;
        return NULL;
    }
    ed->line = strdup(s);
    size_t n = strlen(ed->line);
    if (n > 0 && ed->line[n - 1] == '\n') ed->line[n - 1] = '\0';
    *status = LE_LINE;
    return ed->line;
}

void le_add_history(le_Editor *ed, const char *entry) {
    if (!ed->history || entry[0] == '\0') return;
    HistEvent ev;
    history(ed->history, &ev, H_ENTER, entry);
    if (ed->history_path) history(ed->history, &ev, H_SAVE, ed->history_path);
}

void le_insert(le_Editor *ed, const char *text) { el_insertstr(ed->el, text); }

void le_show_candidates(le_Editor *ed, const char *text) {
    fputs("\n", stdout);
    fputs(text, stdout);
    fputs("\n", stdout);
    fflush(stdout);
    ed->redisplay = 1;
}
