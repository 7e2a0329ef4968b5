/*
 * A byte relay in C, inside a Node process: the floor of the native data plane that
 * docs/data-path-proposal.md proposes. Node accepts the agent's connection and connects the upstream
 * (as the gateway does before login), then hands both sockets over; one epoll thread copies bytes
 * between them without waking JavaScript. It understands nothing (no framing, no policy), like the
 * Node byte pipe beside it in the benchmarks: the difference between the two is the runtime's cost
 * per message, which is what the proposal claims a data plane removes.
 *
 * Level-triggered: a side is read only while the bytes it sent last have all been written to its
 * peer; a partial write parks the rest and waits for EPOLLOUT on the peer, so a slow reader stops
 * its peer being read (backpressure, bounded memory: one buffer per direction).
 */
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define BUFFER_BYTES 65536
#define EVENTS_PER_WAIT 64

typedef struct relay_pair relay_pair;

/* One socket of a pair, and the bytes read from it not yet written to its peer. */
typedef struct {
  relay_pair *pair;
  int fd;
  char buffer[BUFFER_BYTES];
  size_t pending_from;
  size_t pending_to;
} relay_side;

struct relay_pair {
  relay_side sides[2];
  int is_closed;
  relay_pair *next_handed;
};

static int epoll_fd = -1;
/* Pairs handed over and not yet watched: only the loop's thread touches epoll and the pairs, so a
 * pair is never used by two threads; Node's thread queues it and wakes the loop through this eventfd. */
static int wake_fd = -1;
static relay_pair *handed = NULL;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static relay_side *peer_of(relay_side *side) {
  return side == &side->pair->sides[0] ? &side->pair->sides[1] : &side->pair->sides[0];
}

/* What a side waits for: input while its own bytes are all delivered, output while its peer's wait. */
static int watch(relay_side *side) {
  relay_side *peer = peer_of(side);
  struct epoll_event event = {0};
  if (side->pending_from == side->pending_to) event.events |= EPOLLIN;
  if (peer->pending_from != peer->pending_to) event.events |= EPOLLOUT;
  event.data.ptr = side;
  return epoll_ctl(epoll_fd, EPOLL_CTL_MOD, side->fd, &event);
}

static void close_pair(relay_pair *pair) {
  if (pair->is_closed) return;
  pair->is_closed = 1;
  for (int i = 0; i < 2; i++) {
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, pair->sides[i].fd, NULL);
    close(pair->sides[i].fd);
  }
}

/* Writes what `from` holds to its peer; 0 when done or parked, -1 when the pair must close. */
static int flush(relay_side *from) {
  relay_side *to = peer_of(from);
  while (from->pending_from < from->pending_to) {
    ssize_t written = write(to->fd, from->buffer + from->pending_from, from->pending_to - from->pending_from);
    if (written > 0) {
      from->pending_from += (size_t)written;
      continue;
    }
    if (written < 0 && errno == EINTR) continue;
    if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    return -1;
  }
  from->pending_from = from->pending_to = 0;
  return 0;
}

static int on_readable(relay_side *side) {
  ssize_t got = read(side->fd, side->buffer, BUFFER_BYTES);
  if (got == 0) return -1;
  if (got < 0) return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
  side->pending_from = 0;
  side->pending_to = (size_t)got;
  return flush(side);
}

/* Watches the pairs Node handed over since the last wake. */
static void adopt_handed(void) {
  uint64_t wakes;
  if (read(wake_fd, &wakes, sizeof wakes) < 0 && errno != EAGAIN) return;
  pthread_mutex_lock(&lock);
  relay_pair *pair = handed;
  handed = NULL;
  pthread_mutex_unlock(&lock);
  while (pair) {
    relay_pair *next = pair->next_handed;
    int ok = 1;
    for (int i = 0; ok && i < 2; i++) {
      struct epoll_event event = {.events = EPOLLIN, .data.ptr = &pair->sides[i]};
      ok = epoll_ctl(epoll_fd, EPOLL_CTL_ADD, pair->sides[i].fd, &event) == 0;
    }
    if (!ok) {
      close_pair(pair);
      free(pair);
    }
    pair = next;
  }
}

static void *run_loop(void *unused) {
  (void)unused;
  struct epoll_event events[EVENTS_PER_WAIT];
  /* Pairs closed in this batch are freed after it, so a later event of the batch never reads freed memory. */
  relay_pair *closed[EVENTS_PER_WAIT];
  for (;;) {
    int ready = epoll_wait(epoll_fd, events, EVENTS_PER_WAIT, -1);
    if (ready < 0) continue;
    int closed_count = 0;
    for (int i = 0; i < ready; i++) {
      relay_side *side = events[i].data.ptr;
      if (!side) {
        adopt_handed();
        continue;
      }
      relay_pair *pair = side->pair;
      if (pair->is_closed) continue;
      int failed = 0;
      if (events[i].events & EPOLLOUT) failed = flush(peer_of(side)) < 0;
      if (!failed && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && side->pending_from == side->pending_to)
        failed = on_readable(side) < 0;
      if (!failed) failed = watch(side) < 0 || watch(peer_of(side)) < 0;
      if (failed) {
        close_pair(pair);
        closed[closed_count++] = pair;
      }
    }
    for (int i = 0; i < closed_count; i++) free(closed[i]);
  }
  return NULL;
}

/* Called on Node's thread only (a module of one Node thread), so no lock is needed to start. */
static int start_loop(void) {
  if (epoll_fd >= 0) return 1;
  epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd < 0 || wake_fd < 0) return 0;
  struct epoll_event event = {.events = EPOLLIN, .data.ptr = NULL};
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &event) != 0) return 0;
  pthread_t thread;
  if (pthread_create(&thread, NULL, run_loop, NULL) != 0) return 0;
  pthread_detach(thread);
  return 1;
}

/* hand(clientFd, upstreamFd): the relay takes its own duplicates; the caller then destroys its sockets. */
static napi_value hand(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fds[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 ||
      napi_get_value_int32(env, argv[0], &fds[0]) != napi_ok || napi_get_value_int32(env, argv[1], &fds[1]) != napi_ok) {
    napi_throw_type_error(env, NULL, "hand(clientFd, upstreamFd) takes two file descriptors");
    return NULL;
  }
  if (!start_loop()) {
    napi_throw_error(env, NULL, "the relay's epoll thread did not start");
    return NULL;
  }
  relay_pair *pair = calloc(1, sizeof(relay_pair));
  if (!pair) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  for (int i = 0; i < 2; i++) {
    pair->sides[i].pair = pair;
    pair->sides[i].fd = fcntl(fds[i], F_DUPFD_CLOEXEC, 0);
  }
  int ok = pair->sides[0].fd >= 0 && pair->sides[1].fd >= 0;
  for (int i = 0; ok && i < 2; i++) {
    int flags = fcntl(pair->sides[i].fd, F_GETFL);
    ok = flags >= 0 && fcntl(pair->sides[i].fd, F_SETFL, flags | O_NONBLOCK) == 0;
  }
  if (!ok) {
    int why = errno;
    for (int i = 0; i < 2; i++)
      if (pair->sides[i].fd >= 0) close(pair->sides[i].fd);
    free(pair);
    napi_throw_error(env, NULL, strerror(why));
    return NULL;
  }
  pthread_mutex_lock(&lock);
  pair->next_handed = handed;
  handed = pair;
  pthread_mutex_unlock(&lock);
  uint64_t one = 1;
  if (write(wake_fd, &one, sizeof one) < 0) napi_throw_error(env, NULL, strerror(errno));
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "hand", NAPI_AUTO_LENGTH, hand, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "hand", fn) != napi_ok) return NULL;
  return exports;
}
