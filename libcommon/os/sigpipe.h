/*
 * sigpipe.h: the self-pipe a daemon's event loop watches for signals.
 * The handler (the program's: what it writes, and what a second ^C does,
 * differ per program) writes a byte to the pipe's write end; the loop
 * polls the read end.
 * Layer: os.  Call once, before any thread starts.
 */
#ifndef FL_SIGPIPE_H
#define FL_SIGPIPE_H

#include <stddef.h>

/*
 * A non-blocking, close-on-exec pipe; handler installed (SA_RESTART) for
 * each of catch[0..ncatch), and each of ignore[0..nignore) ignored.
 * Returns the read end and sets *wfd to the write end, or -1 (errno).
 */
int fl_sigpipe_open(void (*handler)(int), const int *catch, size_t ncatch,
    const int *ignore, size_t nignore, int *wfd);

#endif
