/*
 * tcp.c: getaddrinfo, socket, bind, listen; getsockname for the address.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "os/tcp.h"

int
fl_tcp_sockname(int fd, struct fl_tcp_addr *out)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	memset(out, 0, sizeof(*out));
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return FL_ESYS;
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &s6->sin6_addr, out->host, sizeof(out->host));
		out->port = ntohs(s6->sin6_port);
		snprintf(out->text, sizeof(out->text), "[%s]:%u", out->host, (unsigned)out->port);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &s4->sin_addr, out->host, sizeof(out->host));
		out->port = ntohs(s4->sin_port);
		snprintf(out->text, sizeof(out->text), "%s:%u", out->host, (unsigned)out->port);
	}
	return 0;
}

int
fl_tcp_listen(const char *what, const char *host, uint16_t port, int backlog, int *out,
    struct fl_tcp_addr *bound, struct fl_err *err)
{
	struct addrinfo hints, *res, *ai;
	char portstr[8];
	int fd = -1, one = 1, rc, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	rc = getaddrinfo(host[0] ? host : NULL, portstr, &hints, &res);
	if (rc != 0)
		return fl_err_set(err, FL_EINVAL, "%s %s: %s", what, host, gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0)
			break;
		e = errno;
		close(fd);
		errno = e;
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		return fl_err_set(err, FL_ESYS, "%s %s:%u: %s", what, host, (unsigned)port,
		    strerror(errno));
	if (fl_tcp_sockname(fd, bound) != 0) {
		e = errno;
		close(fd);
		errno = e;
		return fl_err_set(err, FL_ESYS, "getsockname: %s", strerror(errno));
	}
	*out = fd;
	return 0;
}
