/* sigpipe.c: the self-pipe for signals (sigpipe.h). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "os/sigpipe.h"

int
fl_sigpipe_open(void (*handler)(int), const int *catch, size_t ncatch,
    const int *ignore, size_t nignore, int *wfd)
{
	struct sigaction sa;
	int fds[2];
	size_t i;

	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
		return -1;
	*wfd = fds[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < ncatch; i++)
		(void)sigaction(catch[i], &sa, NULL);
	sa.sa_handler = SIG_IGN;
	for (i = 0; i < nignore; i++)
		(void)sigaction(ignore[i], &sa, NULL);
	return fds[0];
}
