#ifndef MEMTOP_CNCURSES_SHIM_H
#define MEMTOP_CNCURSES_SHIM_H

// SwiftPM drops pkg-config's -D_XOPEN_SOURCE, so ask for the wide-character API here.
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <locale.h>
#include <ncursesw/curses.h>

// Accessors for the globals and macros Swift cannot import or may not touch in Swift 6 mode.
static inline WINDOW *memtop_stdscr(void) { return stdscr; }
static inline int memtop_lines(void) { return LINES; }
static inline int memtop_cols(void) { return COLS; }
static inline int memtop_colors(void) { return COLORS; }
static inline int memtop_color_pairs(void) { return COLOR_PAIRS; }
static inline attr_t memtop_a_bold(void) { return A_BOLD; }
static inline attr_t memtop_a_reverse(void) { return A_REVERSE; }
static inline attr_t memtop_a_underline(void) { return A_UNDERLINE; }
static inline attr_t memtop_a_dim(void) { return A_DIM; }
static inline attr_t memtop_color_pair(int n) { return COLOR_PAIR(n); }
static inline int memtop_key_resize(void) { return KEY_RESIZE; }
static inline int memtop_key_left(void) { return KEY_LEFT; }
static inline int memtop_key_right(void) { return KEY_RIGHT; }
static inline int memtop_key_up(void) { return KEY_UP; }
static inline int memtop_key_down(void) { return KEY_DOWN; }
static inline int memtop_key_enter(void) { return KEY_ENTER; }
static inline int memtop_key_backspace(void) { return KEY_BACKSPACE; }
static inline int memtop_key_f(int n) { return KEY_F(n); }
static inline int memtop_err(void) { return ERR; }
static inline int memtop_key_mouse(void) { return KEY_MOUSE; }
// Asks for clicks, double clicks and the wheel; returns whether the terminal reports the mouse
// (0 on a terminal without mouse support: nothing else changes).
static inline int memtop_mouse_on(void) {
  mmask_t wanted = BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED | BUTTON4_PRESSED;
#ifdef BUTTON5_PRESSED
  wanted |= BUTTON5_PRESSED;
#endif
  return mousemask(wanted, NULL) != 0;
}
// Stops mouse reporting (the terminal's own selection works again).
static inline void memtop_mouse_off(void) { mousemask(0, NULL); }
// The mouse event behind a KEY_MOUSE: 1 click, 2 double click, 3 wheel up, 4 wheel down, 0
// anything else; its cell in *x, *y.
static inline int memtop_mouse_event(int *x, int *y) {
  MEVENT event;
  if (getmouse(&event) != OK) return 0;
  *x = event.x;
  *y = event.y;
  if (event.bstate & BUTTON1_DOUBLE_CLICKED) return 2;
  if (event.bstate & BUTTON1_CLICKED) return 1;
  if (event.bstate & BUTTON4_PRESSED) return 3;
#ifdef BUTTON5_PRESSED
  if (event.bstate & BUTTON5_PRESSED) return 4;
#endif
  return 0;
}
// Starts ncurses on stdout/stdin without exiting on failure (initscr would); NULL on failure.
static inline SCREEN *memtop_newterm(void) { return newterm(NULL, stdout, stdin); }
// Whether the terminal started by newterm can move the cursor (TERM=dumb cannot).
static inline int memtop_can_move_cursor(void) {
  char *cup = tigetstr("cup");
  return cup != NULL && cup != (char *)-1;
}
// Sets the attributes and colour pair for the next writes to stdscr.
static inline void memtop_set_attr(attr_t attrs, int pair) { wattr_set(stdscr, attrs, (short)pair, NULL); }
// Whether the C library's character set is UTF-8 (call after setlocale).
#include <langinfo.h>
#include <string.h>
static inline int memtop_locale_is_utf8(void) {
  const char *codeset = nl_langinfo(CODESET);
  return codeset != NULL && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
}

#endif
