/*
** history.c: persistent, bounded history of the prompt.
**
** Lines are appended to the file as they are entered, so a session that
** ends abruptly keeps them; at a normal exit the file is trimmed to
** HISTORY_MAX entries.  The file is $TYCHO_HISTORY, else ~/.tycho_history;
** TYCHO_HISTORY set to the empty string turns history off.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readline/readline.h>
#include <readline/history.h>

#include "repl.h"

#define HISTORY_MAX 1000

static char path[4096];
static int enabled = 0;

static const char *history_path (void) {
  const char *env = getenv("TYCHO_HISTORY");
  const char *home = getenv("HOME");
  if (env != NULL) return *env ? env : NULL;
  if (home == NULL || *home == '\0') return NULL;
  if ((size_t)snprintf(path, sizeof path, "%s/.tycho_history", home)
      >= sizeof path)
    return NULL;
  return path;
}

void ty_history_load (void) {
  const char *p = history_path();
  if (p == NULL) return;
  if (p != path) {
    strncpy(path, p, sizeof path - 1);
    path[sizeof path - 1] = '\0';
  }
  enabled = 1;
  using_history();
  stifle_history(HISTORY_MAX);
  read_history(path);             /* a missing file is fine */
}

void ty_history_add (const char *line) {
  HIST_ENTRY *last;
  if (line[strspn(line, " \t\r\n")] == '\0') return;   /* blank */
  last = history_length > 0 ? history_get(history_base + history_length - 1)
                            : NULL;
  if (last != NULL && strcmp(last->line, line) == 0) return;  /* repeat */
  add_history(line);
  if (enabled) {
    FILE *f = fopen(path, "a");   /* create on first use */
    if (f != NULL) fclose(f);
    append_history(1, path);
  }
}

void ty_history_save (void) {
  if (enabled) history_truncate_file(path, HISTORY_MAX);
}
