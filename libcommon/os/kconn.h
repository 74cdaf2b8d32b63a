/*
 * kconn.h: one blocking Kafka client connection with deadlines: TCP
 * connect with a time limit, ApiVersions negotiation, then one request at
 * a time (send the frame in c->w, read the response with the same
 * correlation id into c->resp).  flume-cat's connections and flume-repl's
 * connection to its leader are both this.
 *
 * Blocking, but never stuck: the socket is non-blocking and every wait is
 * a poll() against an absolute deadline taken at the start of the call, so
 * a silent or half-dead peer costs at most the timeout.  A wait also ends
 * early when the caller's stop flag is set (checked at least once a
 * second, so a signal handler that sets it is noticed) or when the
 * caller's abort fd reports an event (a self-pipe, or stdout's pipe closing
 * under flume-cat).  One request in flight: responses are matched by
 * correlation id, and anything else on the wire is a protocol error.
 *
 * Optional SASL (KIP-43, KIP-152; sm/sasl.h does the mechanisms): with
 * sasl_user set, fl_kconn_ensure() authenticates every new connection right
 * after ApiVersions: SaslHandshake v1 with sasl_mech, then the mechanism's
 * tokens in SaslAuthenticate requests (v1 when the broker offers it, else
 * v0) until the exchange is done; nothing else is sent before that.  SCRAM's
 * client nonce is 24 bytes of os/entropy.h as base64 (32 characters), so
 * libsodium must be initialised (fl_csum_init).  flume does not
 * re-authenticate (KIP-368): a broker that set a session lifetime closes the
 * connection when it ends, which shows as a lost connection, and the next
 * fl_kconn_ensure() authenticates afresh.
 *
 * Ownership: struct fl_kconn is caller storage (fl_kconn_init /
 * fl_kconn_free; freeing a zeroed, closed or freed connection is a no-op).  It owns
 * its socket, the request writer c->w and the response buffer c->resp;
 * c->resp[0 .. resp_len) holds the last response payload (correlation id
 * first, as fl_kc_*_resp_decode() take it) and is BORROWED by the caller
 * until the next call on c.  client_id and stop are borrowed pointers that
 * must outlive c.  So are sasl_user and sasl_password, which must stay valid
 * and unchanged while c may connect: kconn keeps no copy of the password.
 * During one authentication it copies them into its SASL state and into
 * the request it sends (a buffer of its own, not c->w), and wipes both
 * (sodium_memzero) before it returns, whatever the outcome; wiping the
 * caller's copy is the caller's business.
 *
 * Errors: 0 or a negative FL_E*, and then err (may be NULL) holds a
 * one-line reason WITHOUT the peer's address (the caller prints it with its
 * context: "host:port: <msg>", or "cannot connect to host:port: <msg>"):
 *   FL_ESYS   a system call failed or a wait ended; errno says which:
 *             ECONNREFUSED etc. (connect), ECONNRESET (the peer closed),
 *             ETIMEDOUT (deadline), EINTR (*stop was set), ECANCELED (the
 *             abort fd fired), or send/recv/poll's own errno.
 *   FL_ENOENT the host name did not resolve (getaddrinfo).
 *   FL_EPROTO the peer broke the protocol: bad frame size, wrong
 *             correlation id, an undecodable ApiVersions answer.
 *   FL_ERANGE no ApiVersions version both sides accept (or the broker
 *             answered ApiVersions with an error).
 *   FL_EAUTH  (SASL only) the broker will not take our credentials: it
 *             answered SaslAuthenticate with SASL_AUTHENTICATION_FAILED (58;
 *             wrong user or password: err says "SASL authentication
 *             failed: " and the broker's ErrorMessage), SaslHandshake with
 *             UNSUPPORTED_SASL_MECHANISM (33: err names the mechanisms it
 *             enables), it lists no SaslHandshake v1 and SaslAuthenticate
 *             in ApiVersions (not a SASL listener), or its SCRAM
 *             server-final is an "e=" error or a signature that does not
 *             match (it does not know the password).  Retrying with the
 *             same settings will not help; the network is fine.
 *   FL_EPROTO also for a SASL exchange that goes wrong otherwise: an
 *             undecodable SaslHandshake or SaslAuthenticate answer,
 *             ILLEGAL_SASL_STATE (34) or any other error code there, a
 *             malformed SCRAM message, or more than FL_KCONN_SASL_ROUNDS_MAX
 *             round trips.  err gives the code's name and the broker's
 *             message.
 *   FL_ENOMEM no memory for a response; FL_EINVAL for a call on a closed
 *             connection or a request that failed to encode, and for SASL
 *             settings sm/sasl.h refuses (an empty or over-long user, an
 *             over-long password, an unknown mechanism).
 * Every failure but FL_EINVAL leaves the connection closed (fd -1): after
 * a half-sent request or a half-read response the byte stream cannot be
 * trusted, and a connection that failed to authenticate is useless.
 * fl_kconn_ensure() checks the SASL settings before it connects (FL_EINVAL,
 * nothing opened); fl_kconn_authenticate() closes on every failure.
 * fl_kconn_ensure() reconnects.
 *
 * Layer: os (sockets, poll, the monotonic clock, os/entropy for SCRAM
 * nonces).  Not thread-safe per connection.  Ignore SIGPIPE or not: sends
 * use MSG_NOSIGNAL.
 */
#ifndef FL_KCONN_H
#define FL_KCONN_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rd.h"
#include "codec/kclient.h"
#include "sm/sasl.h"

#define FL_KCONN_HOST_MAX	256	/* host name or address, with its NUL */
#define FL_KCONN_PORT_MAX	8	/* "65535" and its NUL, with room */
#define FL_KCONN_REQ_BYTES_MAX	(64u << 20)	/* c->w never grows past this */
#define FL_KCONN_TIMEOUT_MS_DEFAULT	30000
#define FL_KCONN_SASL_ROUNDS_MAX	4	/* SaslAuthenticate round trips (SCRAM: 2) */

struct fl_kconn {
	int fd;				/* -1: closed */
	int is_open;			/* fd is ours to close; 0 in a zeroed
					   struct, so freeing one closes no fd 0 */
	char host[FL_KCONN_HOST_MAX];
	char port[FL_KCONN_PORT_MAX];
	int32_t corr;			/* last correlation id used */
	struct fl_kc_vers vers;		/* negotiated versions; -1 = none */
	struct fl_wr w;			/* owned: the request frame to send */
	uint8_t *resp;			/* owned: the last response payload */
	size_t resp_len, resp_cap;

	/* Settings: fl_kconn_init() sets the defaults; change them freely
	 * between calls. */
	const char *client_id;		/* borrowed; NULL sends a null id */
	int64_t timeout_ms;		/* connect (all addresses together),
					   each negotiation call, drain */
	size_t resp_bytes_max;		/* larger response frames: FL_EPROTO
					   [FL_KC_FRAME_BYTES_MAX] */
	int abort_fd;			/* >= 0: a wait ends with ECANCELED when
					   it has abort_events, POLLERR or
					   POLLHUP [-1] */
	short abort_events;		/* e.g. POLLIN for a self-pipe [0] */
	volatile sig_atomic_t *stop;	/* borrowed; non-NULL and set: waits
					   end with EINTR [NULL] */
	/* SASL: authenticate each new connection when sasl_user is set */
	const char *sasl_user;		/* borrowed; NULL: no SASL [NULL] */
	const char *sasl_password;	/* borrowed secret; NULL reads as "" */
	enum fl_sasl_mech sasl_mech;	/* [FL_SASL_PLAIN] */

	/* OUT: the last successful authentication's SessionLifetimeMs
	   (SaslAuthenticate v1; 0: none, or v0) */
	int64_t sasl_session_lifetime_ms;
};

/*
 * Set c up, closed, for host and port (a number or a service name), with
 * the default settings.  FL_ERANGE if either does not fit (c is still
 * initialised, with the name cut short, so fl_kconn_free() is safe).
 */
int fl_kconn_init(struct fl_kconn *c, const char *host, const char *port);

/* Close the socket and free the buffers.  No-op when already freed. */
void fl_kconn_free(struct fl_kconn *c);

/* Close the socket only; the next fl_kconn_ensure() reconnects. */
void fl_kconn_close(struct fl_kconn *c);

/*
 * Connect (no-op if open): resolve host, try each address in turn until
 * one accepts, all within timeout_ms.  Stops at once on EINTR/ECANCELED.
 * Sets TCP_NODELAY.  Does not negotiate.
 */
int fl_kconn_open(struct fl_kconn *c, struct fl_err *err);

/*
 * ApiVersions on an open connection: ask at the client's highest version,
 * and once more at the broker's highest if it answers UNSUPPORTED_VERSION
 * with a lower range (kafka-subset.md section 3).  Fills c->vers with the
 * version to use per API (-1 where there is none).  FL_ERANGE when no
 * version works; call errors as fl_kconn_call().
 */
int fl_kconn_negotiate(struct fl_kconn *c, struct fl_err *err);

/*
 * When sasl_user is set: authenticate an open, negotiated connection
 * (SaslHandshake v1, then SaslAuthenticate until sm/sasl.h says DONE), each
 * round trip within timeout_ms.  0 at once without sasl_user.  FL_EAUTH,
 * FL_EPROTO, FL_EINVAL or a call error, always with c closed.
 */
int fl_kconn_authenticate(struct fl_kconn *c, struct fl_err *err);

/*
 * Open, negotiate and (with sasl_user) authenticate if closed; 0 at once
 * if open.  SASL settings that cannot work are FL_EINVAL before any
 * connect.
 */
int fl_kconn_ensure(struct fl_kconn *c, struct fl_err *err);

/*
 * Header for the next request of api on c: the next correlation id (1 after
 * INT32_MAX), the negotiated version (-1 if none: do not send) and
 * c->client_id.
 */
struct fl_kc_hdr fl_kconn_hdr(struct fl_kconn *c, int16_t api);

/*
 * Send c->w (one whole encoded request frame, as fl_kc_*_req_encode()
 * leave it; FL_EINVAL if c->w.err is set).  When is_resp_wanted, then
 * read one response frame and check that its correlation id is h->corr:
 * on 0 the payload is c->resp[0 .. c->resp_len).  All within timeout_ms
 * from the start of the call.  is_resp_wanted 0 is for Produce with
 * acks=0, which gets no response.
 */
int fl_kconn_call(struct fl_kconn *c, const struct fl_kc_hdr *h,
    int is_resp_wanted, int64_t timeout_ms, struct fl_err *err);

/*
 * Half-close, then read and drop until the peer closes too or timeout_ms
 * passes, then close.  Kafka handles a connection's requests in order, so
 * the peer's close means it handled everything sent, including requests
 * with no response (acks=0).  0 when the peer closed; FL_ESYS otherwise
 * (c is closed either way).  No-op (0) on a closed connection.
 */
int fl_kconn_drain_close(struct fl_kconn *c);

#endif
