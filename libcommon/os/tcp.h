/*
 * tcp.h: a listening TCP socket by host and port, and the address it is
 * bound to: the programs' listeners (flume-serve's Kafka port, the
 * --metrics-listen endpoints of os/httpd.h) open theirs here, so a port of
 * 0 (any free one) and the address logged or written to --ready-fd are
 * worked out one way.
 *
 * Ownership: the descriptor returned is the caller's to close.
 * Errors: 0, or FL_EINVAL (the host does not resolve) or FL_ESYS (errno:
 * socket, bind, listen, getsockname) with a sentence in err that begins
 * with the caller's `what` (an option's name) and names the address.
 * Not pure (sockets).  Layer: os.
 */
#ifndef FL_TCP_H
#define FL_TCP_H

#include <stdint.h>

#include "base/err.h"

#define FL_TCP_HOST_MAX 64		/* a numeric IPv4 or IPv6 address, NUL included */
#define FL_TCP_ADDR_MAX 80		/* "HOST:PORT" or "[HOST]:PORT", NUL included */

struct fl_tcp_addr {
	char host[FL_TCP_HOST_MAX];	/* numeric: "127.0.0.1", "::" */
	uint16_t port;
	char text[FL_TCP_ADDR_MAX];	/* "127.0.0.1:9092", "[::1]:9092" */
};

/*
 * Listen on host:port (host "": every address; port 0: any free port)
 * with this backlog: the first address getaddrinfo gives that binds, with
 * SO_REUSEADDR, non-blocking and close-on-exec.  *fd and *bound (what
 * the kernel chose) are set on success only.
 */
int fl_tcp_listen(const char *what, const char *host, uint16_t port, int backlog, int *fd,
    struct fl_tcp_addr *bound, struct fl_err *err);

/* The local address of a bound socket fd: 0, or FL_ESYS (errno). */
int fl_tcp_sockname(int fd, struct fl_tcp_addr *out);

#endif
