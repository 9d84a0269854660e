/*
 * The bench's native peer: what one thread of C on epoll does against the same target, to show
 * where the kernel's own cost ends and Node's begins. Same arguments and output as benchPeer.mjs:
 *   benchPeer open PORTS N INFLIGHT        open N over the loopback ports, at most INFLIGHT
 *                                          connecting, keepalive on, reading; prints {"ms": time to N}
 *   benchPeer churn PORTS CONCURRENCY SECS connect, close, reconnect for SECS; prints {"perSec": ...}
 * Every connection goes to 127.0.0.1. Built by bench/bench.ts with the system's cc when it has one.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int ports[256];
static int nports;
static int ep;
static long started;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void fail(const char *what) {
  fprintf(stderr, "peer: %s: %s\n", what, strerror(errno));
  exit(1);
}

static void dial(void) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (fd < 0) fail("socket");
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(ports[started++ % nports]) };
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&to, sizeof to) < 0 && errno != EINPROGRESS) fail("connect");
  struct epoll_event e = { .events = EPOLLOUT, .data.fd = fd };
  if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0) fail("epoll_ctl");
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: benchPeer open|churn PORTS N INFLIGHT|SECONDS\n");
    return 2;
  }
  for (char *p = strtok(argv[2], ","); p && nports < 256; p = strtok(NULL, ",")) ports[nports++] = atoi(p);
  const int churn = strcmp(argv[1], "churn") == 0;
  const long n = atol(argv[3]);
  const double limit = atof(argv[4]);
  ep = epoll_create1(0);
  const double t0 = now_ms();
  long established = 0, pending = 0;
  if (churn) {
    for (long i = 0; i < n; i++) dial();
  } else {
    for (; started < n && pending < limit; pending++) dial();
  }
  struct epoll_event events[1024];
  for (;;) {
    const int k = epoll_wait(ep, events, 1024, 100);
    for (int i = 0; i < k; i++) {
      const int fd = events[i].data.fd;
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err) {
        errno = err;
        fail("connect");
      }
      established++;
      if (churn) {
        close(fd);
        dial();
        continue;
      }
      const int on = 1, idle = 15;
      setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
      setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
      struct epoll_event e = { .events = EPOLLIN, .data.fd = fd };
      epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
      pending--;
      if (established == n) {
        printf("{\"ms\":%.3f}\n", now_ms() - t0);
        return 0;
      }
      for (; started < n && pending < limit; pending++) dial();
    }
    if (churn && now_ms() - t0 >= limit * 1000) {
      printf("{\"perSec\":%.1f}\n", established * 1000 / (now_ms() - t0));
      return 0;
    }
  }
}
