/*
 * goon-probe's native connection engine (issue 27, docs/ARCHITECTURE.md "Engines").
 *
 * The plain-TCP fleet in C: it dials (round-robin over the routes, binding a source address where a
 * route has one) with a bound on dials in flight, turns keepalive on, writes --send's bytes, counts a
 * connection served once --expect's literal bytes came back (or at open without --expect), keeps a
 * spread of those that timed out listening for a late answer, holds after --settle, detects closes
 * and resets (the first bytes received kept as evidence), reopens on request with the fleet's
 * backoff, recycles at --channel-lifetime and sheds the newest. With --message it writes copies at
 * --message-rate and --channel-bandwidth (as fast as the socket takes them without either) and
 * times each to its --latency-marker in the reply. It runs its own epoll loop on a thread of its own and keeps every connection's
 * state in one C array: no JavaScript object per connection. The JavaScript side (NativeFleet)
 * sends commands and reads counts and batched samples under one mutex; it classifies error codes
 * into failure kinds itself, so both engines share one classification.
 *
 * The rules mirror src/fleet/fleet.ts for the same options; where they differ, fleet.ts is right.
 */
#define _GNU_SOURCE
#include <node_api.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EVIDENCE_BYTES 200
#define OLDEST_WALK 64
#define MAX_BACKOFF_STEPS 4
#define MAX_EVENTS 1024
#define READ_BUFFER 65536
/* Bytes kept while waiting for --expect before calling it a mismatch (fleet.ts EXPECT_BUFFER_BYTES). */
#define EXPECT_BUFFER 4096
/* Timed-out connections kept listening for a late answer, for how long, and delays kept (fleetReading.ts). */
#define LATE_WATCH_MAX 40
/*
 * Keepalive after its idle time: a probe every second, ten unanswered before the connection is
 * given up, as libuv sets them for the TypeScript engine (uv_tcp_keepalive). The kernel's defaults
 * (75 s, 9) keep the probes of connections opened together in step: thousands fire in one timer
 * tick, overflow the receiving side's backlog (net.core.netdev_max_backlog, 1,000 on loopback) and
 * are dropped, 75 s later the same ones again, and after 11.5 minutes the prober closes healthy
 * connections with ETIMEDOUT. Retried a second later, a dropped probe gets through.
 */
#define KEEPALIVE_INTERVAL_S 1
#define KEEPALIVE_PROBES 10
#define LATE_GRACE_MS 30000
#define LATE_DELAYS_KEPT 200
/* Pseudo error codes: a clean close by the peer, a dial that timed out, a connection closed (or
 * reset) before --expect's bytes came, a reply that did not come in time, and one that did not fit. */
#define CODE_CLOSED 0
#define CODE_TIMEOUT (-1)
#define CODE_MISMATCH (-2)
#define CODE_VERIFY_TIMEOUT (-3)
#define CODE_OVERFLOW (-4)
#define MAX_CODES 64
/* --message: bytes of copies written per call at most (fleet.ts SEND_BATCH_BYTES), send times kept
 * per connection for --latency-marker (MAX_PENDING_MARKERS), and how often paced ones are looked at. */
#define SEND_BATCH_BYTES 65536
#define MAX_PENDING_MARKERS 1024
#define MESSAGE_SWEEP_MS 10

/* ST_LATE: failed (verification timed out), its slot vacated, its socket kept only to see a late answer. */
enum { ST_FREE, ST_QUEUED, ST_DIALING, ST_UNVERIFIED, ST_SETTLING, ST_HELD, ST_LATE };
enum { LIVE_QUEUED, LIVE_DIALING, LIVE_UNVERIFIED, LIVE_SETTLING, LIVE_HELD, LIVE_COUNT };
/* Where an error came: the handshake (SO_ERROR), a read, or the dial's own calls (socket, bind, connect). */
enum { SYS_CONNECT, SYS_READ, SYS_DIAL };

/* The run counters, in the order of RUN_COUNTERS (src/fleet/runCounters.ts). */
enum {
  C_REQUESTED, C_STARTED, C_REOPENED, C_ESTABLISHED, C_VERIFIED, C_WAITED, C_FAILED, C_DROPPED,
  C_DROPPED_HELD, C_DROPPED_OLDEST, C_RECYCLED, C_SHED, C_BYTES_SENT, C_BYTES_RECEIVED, C_COUNT
};

typedef struct {
  struct sockaddr_storage dst;
  socklen_t dstlen;
  struct sockaddr_storage src;
  socklen_t srclen;
  int source; /* index into the run's source addresses, or -1 */
} route_t;

typedef struct {
  int fd;
  uint8_t state;
  uint8_t got_byte;
  uint16_t rxlen;
  uint16_t rxcap;
  uint32_t sent; /* bytes of --send written so far */
  int32_t route;
  uint32_t streak;
  uint32_t gen;
  double verified_at_dial;
  double started, opened, verified, ready;
  int32_t open_prev, open_next; /* established ones, in the order they opened */
  int32_t live_prev, live_next; /* every live one, in the order asked for */
  uint8_t *rx;                  /* the first bytes received (evidence; --expect's reply while unverified) */
} conn_t;

/* A connection's --message state, in an array beside the connections' (only with --message). */
typedef struct {
  double msgs;      /* copies written whole */
  uint32_t msg_off; /* bytes of the next copy already written */
  uint8_t blocked;  /* the socket took no more: wait for EPOLLOUT */
  uint16_t pend_head, pend_len;
  double *pend;      /* send times of copies whose marker has not come back (a ring of MAX_PENDING_MARKERS) */
  uint8_t *carry;    /* the tail of the last read that may start a marker */
  uint16_t carry_len;
} traffic_t;

/* A first occurrence: of an error code, or of a failure from one source address. */
typedef struct {
  int code;
  int cause; /* the errno behind a CODE_MISMATCH (a reset before the reply), or 0 */
  int syscall;
  int route;
  uint64_t seq;
  uint16_t len;
  uint8_t bytes[EVIDENCE_BYTES];
} first_t;

typedef struct {
  int code;
  double count;
  first_t first;
} code_tally_t;

typedef struct {
  double attempts, served, failed;
  int has_first;
  first_t first;
} source_tally_t;

/* A FIFO of connection references (index and generation): stale entries are skipped. */
typedef struct {
  uint64_t *items;
  size_t head, tail, cap;
} fifo_t;

typedef struct {
  double *items;
  size_t len, cap;
} samples_t;

typedef struct {
  pthread_mutex_t lock;
  pthread_t thread;
  int thread_started;
  int epfd, wakefd;
  volatile int quit;
  int stopped;
  /* options */
  route_t *routes;
  int nroutes;
  int nsources;
  double dial_timeout_ms, keepalive_ms, settle_ms, backoff_ms, lifetime_ms;
  double max_inflight;
  int reopen, churn;
  uint8_t *send, *expect; /* --send's bytes and --expect's literal bytes, or NULL */
  size_t send_len, expect_len;
  double expect_timeout_ms;
  uint8_t *message, *batch, *marker; /* --message, copies of it, --latency-marker; or NULL */
  size_t message_len, batch_len, marker_len;
  double message_rate, bandwidth; /* per second and connection; -1 for none */
  double last_message_sweep;
  traffic_t *tr; /* with --message: one per connection slot */
  uint8_t *scanbuf;
  /* connections */
  conn_t *conns;
  int32_t nconns, capconns;
  int32_t *free_list;
  int32_t nfree, capfree;
  int32_t open_head, open_tail, live_head, live_tail;
  fifo_t waiting, dial_deadlines, settle_deadlines, life_deadlines, backoff, verify_deadlines, late_watch;
  fifo_t vacant; /* streaks of vacated slots, oldest first */
  /* counts */
  double counters[C_COUNT];
  double live[LIVE_COUNT];
  double peak;
  double last_open; /* -1 before any */
  double held_drop_streak, held_drop_burst;
  double late_watched, late_answered, late_listening;
  samples_t late_delays; /* the first LATE_DELAYS_KEPT, kept for the run */
  uint64_t seq;
  code_tally_t codes[MAX_CODES];
  int ncodes;
  source_tally_t *sources;
  samples_t connect_ms, first_byte_ms, error_ms, marker_ms;
  char source_address[INET6_ADDRSTRLEN];
  int has_source_address;
  uint8_t served_bytes[EVIDENCE_BYTES];
  int served_len; /* -1 before any */
  uint8_t *readbuf;
} engine_t;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- small containers ---- */

static int fifo_push(fifo_t *f, uint64_t v) {
  if (f->tail - f->head == f->cap) {
    size_t cap = f->cap ? f->cap * 2 : 1024;
    uint64_t *items = malloc(cap * sizeof *items);
    if (!items) return -1;
    for (size_t i = 0; i < f->tail - f->head; i++) items[i] = f->items[(f->head + i) % f->cap];
    f->tail -= f->head;
    f->head = 0;
    free(f->items);
    f->items = items;
    f->cap = cap;
  }
  f->items[f->tail % f->cap] = v;
  f->tail++;
  return 0;
}
static size_t fifo_size(const fifo_t *f) { return f->tail - f->head; }
static uint64_t fifo_peek(const fifo_t *f) { return f->items[f->head % f->cap]; }
static uint64_t fifo_shift(fifo_t *f) {
  uint64_t v = f->items[f->head % f->cap];
  f->head++;
  return v;
}
static void fifo_clear(fifo_t *f) { f->head = f->tail = 0; }

static int samples_push(samples_t *s, double v) {
  if (s->len == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 1024;
    double *items = realloc(s->items, cap * sizeof *items);
    if (!items) return -1;
    s->items = items;
    s->cap = cap;
  }
  s->items[s->len++] = v;
  return 0;
}

static uint64_t ref_of(engine_t *e, int32_t i) { return ((uint64_t)e->conns[i].gen << 32) | (uint32_t)i; }
/* Returns the connection a reference names, or -1 when it has been reused since. */
static int32_t deref(engine_t *e, uint64_t ref) {
  int32_t i = (int32_t)(uint32_t)ref;
  return (i < e->nconns && e->conns[i].gen == (uint32_t)(ref >> 32)) ? i : -1;
}

/* ---- live state ---- */

static int live_slot(uint8_t state) {
  switch (state) {
    case ST_QUEUED: return LIVE_QUEUED;
    case ST_DIALING: return LIVE_DIALING;
    case ST_UNVERIFIED: return LIVE_UNVERIFIED;
    case ST_SETTLING: return LIVE_SETTLING;
    case ST_HELD: return LIVE_HELD;
    default: return -1;
  }
}
static int established(uint8_t state) { return state == ST_UNVERIFIED || state == ST_SETTLING || state == ST_HELD; }

static void open_unlink(engine_t *e, int32_t i) {
  conn_t *c = &e->conns[i];
  if (c->open_prev == -2) return; /* not in the list */
  if (c->open_prev >= 0) e->conns[c->open_prev].open_next = c->open_next; else e->open_head = c->open_next;
  if (c->open_next >= 0) e->conns[c->open_next].open_prev = c->open_prev; else e->open_tail = c->open_prev;
  c->open_prev = c->open_next = -2;
}
static void open_append(engine_t *e, int32_t i) {
  conn_t *c = &e->conns[i];
  c->open_prev = e->open_tail;
  c->open_next = -1;
  if (e->open_tail >= 0) e->conns[e->open_tail].open_next = i; else e->open_head = i;
  e->open_tail = i;
}
static void live_unlink(engine_t *e, int32_t i) {
  conn_t *c = &e->conns[i];
  if (c->live_prev == -2) return; /* not in the list */
  if (c->live_prev >= 0) e->conns[c->live_prev].live_next = c->live_next; else e->live_head = c->live_next;
  if (c->live_next >= 0) e->conns[c->live_next].live_prev = c->live_prev; else e->live_tail = c->live_prev;
  c->live_prev = c->live_next = -2;
}
static void live_append(engine_t *e, int32_t i) {
  conn_t *c = &e->conns[i];
  c->live_prev = e->live_tail;
  c->live_next = -1;
  if (e->live_tail >= 0) e->conns[e->live_tail].live_next = i; else e->live_head = i;
  e->live_tail = i;
}

/* Moves a connection to a state; leaving the live states frees its slot (and closes its socket). */
static void move_to(engine_t *e, int32_t i, uint8_t to) {
  conn_t *c = &e->conns[i];
  int from = live_slot(c->state);
  if (from >= 0) e->live[from]--;
  int into = live_slot(to);
  if (into >= 0) {
    e->live[into]++;
    c->state = to;
    return;
  }
  live_unlink(e, i);
  open_unlink(e, i);
  if (c->fd >= 0) close(c->fd); /* closing removes it from the epoll set */
  c->fd = -1;
  free(c->rx);
  c->rx = NULL;
  c->rxlen = c->rxcap = 0;
  if (e->tr) {
    traffic_t *t = &e->tr[i];
    free(t->pend);
    free(t->carry);
    memset(t, 0, sizeof *t);
  }
  c->state = ST_FREE;
  c->gen++;
  e->free_list[e->nfree++] = i;
}

static int32_t new_conn(engine_t *e) {
  int32_t i;
  if (e->nfree > 0) i = e->free_list[--e->nfree];
  else {
    if (e->nconns == e->capconns) {
      int32_t cap = e->capconns ? e->capconns * 2 : 4096;
      conn_t *conns = realloc(e->conns, (size_t)cap * sizeof *conns);
      int32_t *fl = realloc(e->free_list, (size_t)cap * sizeof *fl);
      if (conns) e->conns = conns;
      if (fl) e->free_list = fl;
      if (!conns || !fl) return -1;
      if (e->message) {
        traffic_t *tr = realloc(e->tr, (size_t)cap * sizeof *tr);
        if (!tr) return -1;
        memset(tr + e->capconns, 0, (size_t)(cap - e->capconns) * sizeof *tr);
        e->tr = tr;
      }
      e->capconns = e->capfree = cap;
    }
    i = e->nconns++;
    e->conns[i].gen = 0;
  }
  conn_t *c = &e->conns[i];
  uint32_t gen = c->gen;
  memset(c, 0, sizeof *c);
  c->gen = gen;
  c->fd = -1;
  c->route = -1;
  c->open_prev = c->open_next = c->live_prev = c->live_next = -2;
  return i;
}

/* ---- failures ---- */

static code_tally_t *code_tally(engine_t *e, int code) {
  for (int k = 0; k < e->ncodes; k++)
    if (e->codes[k].code == code) return &e->codes[k];
  if (e->ncodes == MAX_CODES) return &e->codes[MAX_CODES - 1];
  code_tally_t *t = &e->codes[e->ncodes++];
  memset(t, 0, sizeof *t);
  t->code = code;
  t->first.seq = UINT64_MAX;
  return t;
}

static void fill_first(first_t *f, conn_t *c, int code, int cause, int syscall, uint64_t seq) {
  f->code = code;
  f->cause = cause;
  f->syscall = syscall;
  f->route = c->route;
  f->seq = seq;
  /* The first EVIDENCE_BYTES: a reply waited for may have kept up to EXPECT_BUFFER. */
  f->len = c->rxlen < EVIDENCE_BYTES ? c->rxlen : EVIDENCE_BYTES;
  if (f->len) memcpy(f->bytes, c->rx, f->len);
}

static void count(engine_t *e, int32_t i, int code, int cause, int syscall) {
  conn_t *c = &e->conns[i];
  uint64_t seq = e->seq++;
  code_tally_t *t = code_tally(e, code);
  t->count++;
  if (t->first.seq == UINT64_MAX) fill_first(&t->first, c, code, cause, syscall, seq);
  int source = c->route >= 0 ? e->routes[c->route].source : -1;
  if (source >= 0) {
    source_tally_t *s = &e->sources[source];
    s->failed++;
    if (!s->has_first) {
      s->has_first = 1;
      fill_first(&s->first, c, code, cause, syscall, seq);
    }
  }
}

static void vacate(engine_t *e, uint32_t streak) {
  if (e->reopen) fifo_push(&e->vacant, streak);
}

/* Stops listening on a timed-out connection and closes it. */
static void unwatch(engine_t *e, int32_t i) {
  e->late_listening--;
  move_to(e, i, ST_FREE);
}

/* Lets every second timed-out connection still listening go (uncounted), oldest first kept (fleet.ts thinWatched). */
static void thin_watched(engine_t *e) {
  size_t n = fifo_size(&e->late_watch), kept = 0;
  for (size_t k = 0; k < n; k++) {
    uint64_t ref = fifo_shift(&e->late_watch);
    int32_t i = deref(e, ref);
    if (i < 0 || e->conns[i].state != ST_LATE) continue;
    if (kept++ % 2 == 0) fifo_push(&e->late_watch, ref);
    else {
      e->late_watched--;
      unwatch(e, i);
    }
  }
}

/*
 * Marks a connection failed before it was served (a dial that failed or timed out, a reply that
 * did not match or did not come), and closes it; with `listen`, keeps its socket open for a late
 * answer (evidence of a slow target, not capacity: its slot is vacated and the failure counted).
 */
static void fail_at(engine_t *e, int32_t i, int code, int syscall, int listen) {
  conn_t *c = &e->conns[i];
  double now = now_ms();
  e->counters[C_FAILED]++;
  samples_push(&e->error_ms, now - c->started);
  int waiting = code == CODE_TIMEOUT || code == CODE_VERIFY_TIMEOUT || code == ETIMEDOUT;
  if (waiting && e->counters[C_VERIFIED] + e->late_answered > c->verified_at_dial) e->counters[C_WAITED]++;
  count(e, i, code, 0, syscall);
  vacate(e, c->streak + 1);
  if (!listen || c->fd < 0) {
    move_to(e, i, ST_FREE);
    return;
  }
  int from = live_slot(c->state);
  if (from >= 0) e->live[from]--;
  live_unlink(e, i);
  open_unlink(e, i);
  c->state = ST_LATE;
  /* Listening only: what is left of --send stays unwritten (and a writable socket wakes nothing). */
  struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP, .data.u64 = ref_of(e, i)};
  epoll_ctl(e->epfd, EPOLL_CTL_MOD, c->fd, &ev);
  if (e->late_listening >= LATE_WATCH_MAX) thin_watched(e);
  e->late_watched++;
  e->late_listening++;
  c->verified = now; /* when it timed out: a late answer's delay counts from here */
  fifo_push(&e->late_watch, ref_of(e, i));
}
static void fail(engine_t *e, int32_t i, int code, int syscall) { fail_at(e, i, code, syscall, 0); }

/* Returns true when the connection is among the oldest established (fleet.ts isAmongOldest). */
static int among_oldest(engine_t *e, int32_t i) {
  double held = e->live[LIVE_HELD];
  int older = 0, older_held = 0;
  for (int32_t o = e->open_head; o >= 0; o = e->conns[o].open_next) {
    if (o == i) return held == 0 ? older == 0 : older_held < held / 2;
    if (++older >= OLDEST_WALK) return 0;
    if (e->conns[o].state == ST_HELD && ++older_held >= held / 2) return 0;
  }
  return 0;
}

/* An open connection the peer closed (code 0) or reset; before --expect's reply came, with bytes, a mismatch. */
static void drop(engine_t *e, int32_t i, int code) {
  conn_t *c = &e->conns[i];
  int cause = 0;
  if (c->state == ST_UNVERIFIED && e->expect_len > 0 && c->rxlen > 0) {
    cause = code;
    code = CODE_MISMATCH;
  }
  e->counters[C_DROPPED]++;
  int held = c->state == ST_HELD;
  if (held) {
    e->counters[C_DROPPED_HELD]++;
    if (++e->held_drop_streak > e->held_drop_burst) e->held_drop_burst = e->held_drop_streak;
  }
  if (among_oldest(e, i)) e->counters[C_DROPPED_OLDEST]++;
  count(e, i, code, cause, SYS_READ);
  vacate(e, held ? 1 : c->streak + 1);
  move_to(e, i, ST_FREE);
}

/* ---- dialing ---- */

static double backoff_wait(uint32_t streak, double base) {
  if (streak <= 1) return 0;
  uint32_t steps = streak - 2 < MAX_BACKOFF_STEPS ? streak - 2 : MAX_BACKOFF_STEPS;
  return base * (double)(1u << steps);
}

static void enqueue(engine_t *e, uint32_t streak) {
  int32_t i = new_conn(e);
  if (i < 0) return;
  conn_t *c = &e->conns[i];
  c->streak = streak;
  c->state = ST_QUEUED;
  e->live[LIVE_QUEUED]++;
  e->counters[C_REQUESTED]++;
  live_append(e, i);
  double wait = e->reopen ? backoff_wait(streak, e->backoff_ms) : 0;
  if (wait > 0) {
    c->ready = now_ms() + wait;
    fifo_push(&e->backoff, ref_of(e, i));
  } else fifo_push(&e->waiting, ref_of(e, i));
}

static void on_open(engine_t *e, int32_t i);

/* Starts a queued connection's dial. */
static void start_dial(engine_t *e, int32_t i) {
  conn_t *c = &e->conns[i];
  int r = (int)((uint64_t)e->counters[C_STARTED] % (uint64_t)e->nroutes);
  route_t *route = &e->routes[r];
  e->counters[C_STARTED]++;
  c->route = r;
  if (route->source >= 0) e->sources[route->source].attempts++;
  move_to(e, i, ST_DIALING);
  c->started = now_ms();
  c->verified_at_dial = e->counters[C_VERIFIED] + e->late_answered;
  fifo_push(&e->dial_deadlines, ref_of(e, i));
  int fd = socket(route->dst.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    fail(e, i, errno, SYS_DIAL);
    return;
  }
  c->fd = fd;
  if (route->source >= 0 && bind(fd, (struct sockaddr *)&route->src, route->srclen) != 0) {
    fail(e, i, errno, SYS_DIAL);
    return;
  }
  if (connect(fd, (struct sockaddr *)&route->dst, route->dstlen) != 0 && errno != EINPROGRESS) {
    fail(e, i, errno, SYS_DIAL);
    return;
  }
  struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = ref_of(e, i)};
  if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) fail(e, i, errno, SYS_DIAL);
}

/* Starts dials while fewer than --max-inflight are in flight. */
static void pump(engine_t *e) {
  while (!e->stopped && e->live[LIVE_DIALING] < e->max_inflight && fifo_size(&e->waiting) > 0) {
    int32_t i = deref(e, fifo_shift(&e->waiting));
    if (i < 0 || e->conns[i].state != ST_QUEUED) continue; /* cancelled or shed while waiting */
    start_dial(e, i);
  }
}

static void recycle(engine_t *e, int32_t i) {
  uint32_t streak = e->conns[i].streak;
  e->counters[C_RECYCLED]++;
  move_to(e, i, ST_FREE);
  if (!e->stopped) enqueue(e, streak);
}

/* Keeps a served connection's first bytes as what served clients get (at most EVIDENCE_BYTES). */
static void served(engine_t *e, const conn_t *c) {
  e->served_len = c->rxlen < EVIDENCE_BYTES ? c->rxlen : EVIDENCE_BYTES;
  memcpy(e->served_bytes, c->rx, (size_t)e->served_len);
}

/* Keeps up to `cap` of the bytes received, in a buffer as long as what it keeps; -1 when out of memory. */
static int gather(conn_t *c, const uint8_t *bytes, size_t n, uint16_t cap) {
  if (c->rxlen >= cap) return 0;
  size_t want = (size_t)c->rxlen + n < cap ? (size_t)c->rxlen + n : cap;
  if (c->rxcap < want) {
    uint8_t *rx = realloc(c->rx, want);
    if (!rx) return -1;
    c->rx = rx;
    c->rxcap = (uint16_t)want;
  }
  size_t take = n < (size_t)(cap - c->rxlen) ? n : (size_t)(cap - c->rxlen);
  memcpy(c->rx + c->rxlen, bytes, take);
  c->rxlen += (uint16_t)take;
  return 0;
}

/* A served connection: verified (by --expect's reply, or open), settling until --settle. */
static void verify(engine_t *e, int32_t i, double now) {
  conn_t *c = &e->conns[i];
  e->counters[C_VERIFIED]++;
  int source = e->routes[c->route].source;
  if (source >= 0) e->sources[source].served++;
  c->verified = now;
  /* The reply's buffer shrinks to the evidence kept (at most EVIDENCE_BYTES): no 4 KB per held connection. */
  if (c->rxlen > EVIDENCE_BYTES) c->rxlen = EVIDENCE_BYTES;
  if (c->rx && c->rxcap > c->rxlen) {
    uint8_t *rx = realloc(c->rx, c->rxlen);
    if (rx) {
      c->rx = rx;
      c->rxcap = c->rxlen;
    }
  }
  move_to(e, i, ST_SETTLING);
  fifo_push(&e->settle_deadlines, ref_of(e, i));
}

/* The events an established connection waits for: its reads, and room to write while --send is not all out. */
static void watch(engine_t *e, int32_t i) {
  conn_t *c = &e->conns[i];
  int writing = c->sent < e->send_len || (e->tr && e->tr[i].blocked);
  uint32_t events = EPOLLIN | EPOLLRDHUP | (writing ? EPOLLOUT : 0);
  struct epoll_event ev = {.events = events, .data.u64 = ref_of(e, i)};
  epoll_ctl(e->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void drop(engine_t *e, int32_t i, int code);

/* Writes what is left of --send; returns -1 when the connection was dropped (a write that failed). */
static int send_more(engine_t *e, int32_t i) {
  conn_t *c = &e->conns[i];
  while (c->sent < e->send_len) {
    ssize_t w = send(c->fd, e->send + c->sent, e->send_len - c->sent, MSG_NOSIGNAL);
    if (w > 0) {
      c->sent += (uint32_t)w;
      e->counters[C_BYTES_SENT] += (double)w;
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    drop(e, i, w < 0 ? errno : CODE_CLOSED);
    return -1;
  }
  return 0;
}

/* Copies of --message due `elapsed_ms` after open: the first at once, then at the rate and within the bandwidth (messagePlan.ts). */
static double messages_due(const engine_t *e, double elapsed_ms) {
  double t = (elapsed_ms > 0 ? elapsed_ms : 0) / 1000;
  double due = INFINITY;
  if (e->message_rate >= 0) due = floor(t * e->message_rate) + 1;
  if (e->bandwidth >= 0) {
    double by_bandwidth = floor(t * e->bandwidth / (double)e->message_len) + 1;
    if (by_bandwidth < due) due = by_bandwidth;
  }
  return due;
}

/* Notes the send time of `n` copies written whole, for their markers (the oldest dropped past MAX_PENDING_MARKERS). */
static void pend_markers(engine_t *e, traffic_t *t, double n, double now) {
  if (!e->marker || n <= 0) return;
  if (!t->pend && !(t->pend = malloc(MAX_PENDING_MARKERS * sizeof *t->pend))) return;
  for (double k = 0; k < n; k++) {
    if (t->pend_len == MAX_PENDING_MARKERS) {
      t->pend_head = (uint16_t)((t->pend_head + 1) % MAX_PENDING_MARKERS);
      t->pend_len--;
    }
    t->pend[(t->pend_head + t->pend_len) % MAX_PENDING_MARKERS] = now;
    t->pend_len++;
  }
}

/*
 * Writes the --message copies now due on an open connection, once --send is out: at most
 * SEND_BATCH_BYTES a call, so that one fast connection never holds the loop. A copy counts once
 * written whole. Behind its rate with a full socket, it does not burst to catch up later (fleet.ts
 * sendMessages). Returns -1 when the connection was dropped (a write that failed).
 */
static int send_messages(engine_t *e, int32_t i, double now) {
  conn_t *c = &e->conns[i];
  traffic_t *t = &e->tr[i];
  if (c->sent < e->send_len) return 0;
  double due = messages_due(e, now - c->opened);
  if (t->msgs >= due) {
    /* Caught up: no more waiting for the socket to drain. */
    if (t->blocked) {
      t->blocked = 0;
      watch(e, i);
    }
    return 0;
  }
  size_t copies = e->batch_len / e->message_len;
  size_t want = due - t->msgs < (double)copies ? (size_t)(due - t->msgs) : copies;
  size_t bytes = want * e->message_len - t->msg_off;
  ssize_t w = send(c->fd, e->batch + t->msg_off, bytes, MSG_NOSIGNAL);
  if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    drop(e, i, errno);
    return -1;
  }
  if (w > 0) {
    e->counters[C_BYTES_SENT] += (double)w;
    size_t total = t->msg_off + (size_t)w;
    double whole = (double)(total / e->message_len);
    t->msg_off = (uint32_t)(total % e->message_len);
    t->msgs += whole;
    pend_markers(e, t, whole, now);
  }
  int full = w < (ssize_t)bytes;
  if (full && isfinite(due) && due - t->msgs > 1) t->msgs = due - 1;
  /* Woken when the socket drains: while it is full, and always without a rate (as fast as it takes them). */
  uint8_t wants = (uint8_t)(full || !isfinite(due));
  if (wants != t->blocked) {
    t->blocked = wants;
    watch(e, i);
  }
  return 0;
}

/* Counts the --latency-marker occurrences in what arrived (a marker may span two reads): each answers the oldest copy pending. */
static void scan_markers(engine_t *e, int32_t i, const uint8_t *chunk, size_t n, double now) {
  traffic_t *t = &e->tr[i];
  if (!e->marker || t->pend_len == 0) return;
  uint8_t *data = e->scanbuf;
  size_t len = t->carry_len + n;
  if (t->carry_len) memcpy(data, t->carry, t->carry_len);
  memcpy(data + t->carry_len, chunk, n);
  size_t from = 0;
  for (uint8_t *at = memmem(data, len, e->marker, e->marker_len); at;
       at = memmem(data + from, len - from, e->marker, e->marker_len)) {
    from = (size_t)(at - data) + e->marker_len;
    if (t->pend_len > 0) {
      samples_push(&e->marker_ms, now - t->pend[t->pend_head]);
      t->pend_head = (uint16_t)((t->pend_head + 1) % MAX_PENDING_MARKERS);
      t->pend_len--;
    }
  }
  size_t keep_from = len - (e->marker_len - 1) > from ? len - (e->marker_len - 1) : from;
  if (len < e->marker_len - 1) keep_from = from;
  t->carry_len = (uint16_t)(len - keep_from);
  if (t->carry_len && !t->carry) t->carry = malloc(e->marker_len);
  if (t->carry) memmove(t->carry, data + keep_from, t->carry_len);
  else t->carry_len = 0;
}

static void on_open(engine_t *e, int32_t i) {
  conn_t *c = &e->conns[i];
  double now = now_ms();
  e->counters[C_ESTABLISHED]++;
  samples_push(&e->connect_ms, now - c->started);
  if (!e->has_source_address) {
    struct sockaddr_storage local;
    socklen_t len = sizeof local;
    if (getsockname(c->fd, (struct sockaddr *)&local, &len) == 0) {
      const void *addr = local.ss_family == AF_INET6 ? (const void *)&((struct sockaddr_in6 *)&local)->sin6_addr
                                                     : (const void *)&((struct sockaddr_in *)&local)->sin_addr;
      if (inet_ntop(local.ss_family, addr, e->source_address, sizeof e->source_address)) e->has_source_address = 1;
    }
  }
  c->opened = now;
  e->last_open = now;
  move_to(e, i, ST_UNVERIFIED);
  open_append(e, i);
  e->held_drop_streak = 0;
  /* A --channel-lifetime of 0 closes it below, at once: no reads, no keepalive (as the TypeScript fleet). */
  int at_once = e->churn && e->lifetime_ms == 0;
  if (e->churn && !at_once) fifo_push(&e->life_deadlines, ref_of(e, i));
  if (e->send_len > 0 && send_more(e, i) < 0) return;
  if (!at_once) {
    watch(e, i);
    if (e->keepalive_ms > 0) {
      int on = 1;
      int idle = (int)(e->keepalive_ms / 1000 + 0.5);
      if (idle < 1) idle = 1;
      int interval = KEEPALIVE_INTERVAL_S, probes = KEEPALIVE_PROBES;
      setsockopt(c->fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
      setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
      setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
      setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
    }
  }
  if (e->message && send_messages(e, i, now) < 0) return;
  /* With --expect, served once its reply comes (on_readable), failed when it does not in time (sweep); without, open is served. */
  if (e->expect_len > 0) fifo_push(&e->verify_deadlines, ref_of(e, i));
  else verify(e, i, now);
  double est = e->live[LIVE_UNVERIFIED] + e->live[LIVE_SETTLING] + e->live[LIVE_HELD];
  if (est > e->peak) e->peak = est;
  if (at_once) recycle(e, i);
}

/* What a timed-out connection received: an answer that matches --expect counts as late, with its delay. */
static void on_late_data(engine_t *e, int32_t i, ssize_t n) {
  conn_t *c = &e->conns[i];
  if (gather(c, e->readbuf, (size_t)n, EXPECT_BUFFER) < 0) return;
  if (!memmem(c->rx, c->rxlen, e->expect, e->expect_len)) return;
  e->late_answered++;
  if (e->late_delays.len < LATE_DELAYS_KEPT) samples_push(&e->late_delays, now_ms() - c->verified);
  unwatch(e, i);
}

/* Reads what arrived, as long as the connection stays open. */
static void on_readable(engine_t *e, int32_t i) {
  for (int rounds = 0; rounds < 16; rounds++) {
    conn_t *c = &e->conns[i];
    ssize_t n = recv(c->fd, e->readbuf, READ_BUFFER, 0);
    if (n > 0) {
      e->counters[C_BYTES_RECEIVED] += (double)n;
      if (c->state == ST_LATE) {
        on_late_data(e, i, n);
        if (e->conns[i].state != ST_LATE) return;
        if (n < READ_BUFFER) return;
        continue;
      }
      if (!c->got_byte) {
        c->got_byte = 1;
        samples_push(&e->first_byte_ms, now_ms() - c->opened);
      }
      if (e->marker) scan_markers(e, i, e->readbuf, (size_t)n, now_ms());
      int waiting = c->state == ST_UNVERIFIED && e->expect_len > 0;
      gather(c, e->readbuf, (size_t)n, waiting ? EXPECT_BUFFER : EVIDENCE_BYTES);
      /* A greeting that comes after the connection was held still shows what served clients get. */
      if (c->state == ST_HELD && e->served_len < 0 && c->rx) served(e, c);
      if (waiting && c->rx) {
        if (memmem(c->rx, c->rxlen, e->expect, e->expect_len)) verify(e, i, now_ms());
        else if (c->rxlen >= EXPECT_BUFFER) {
          fail(e, i, CODE_OVERFLOW, SYS_READ);
          return;
        }
      }
      if (n < READ_BUFFER) return;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    if (c->state == ST_LATE) {
      /* Kept listening for a late answer, and closed by the peer instead: no answer. */
      unwatch(e, i);
      return;
    }
    drop(e, i, n == 0 ? CODE_CLOSED : errno);
    return;
  }
}

static void on_event(engine_t *e, struct epoll_event *ev) {
  int32_t i = deref(e, ev->data.u64);
  if (i < 0) return;
  conn_t *c = &e->conns[i];
  if (c->state == ST_DIALING) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err) fail(e, i, err, SYS_CONNECT);
    else if (ev->events & (EPOLLOUT | EPOLLIN)) on_open(e, i);
    return;
  }
  if (established(c->state) && (ev->events & EPOLLOUT)) {
    if (c->sent < e->send_len) {
      if (send_more(e, i) < 0) return;
      if (c->sent == e->send_len) watch(e, i);
    }
    if (e->message && c->sent == e->send_len && send_messages(e, i, now_ms()) < 0) return;
  }
  if (established(c->state) || c->state == ST_LATE) on_readable(e, i);
}

static void hold(engine_t *e, int32_t i) {
  conn_t *c = &e->conns[i];
  c->streak = 0;
  if (e->served_len < 0 && c->rx) served(e, c);
  move_to(e, i, ST_HELD);
}

/* Expires dial deadlines, promotes settled connections, recycles at --channel-lifetime, releases backoffs. */
static void sweep(engine_t *e) {
  double now = now_ms();
  /* Paced --message copies come due with time: every open connection not waiting on its socket, every MESSAGE_SWEEP_MS. */
  if (e->message && !e->stopped && now - e->last_message_sweep >= MESSAGE_SWEEP_MS) {
    e->last_message_sweep = now;
    for (int32_t i = e->open_head; i >= 0;) {
      int32_t next = e->conns[i].open_next;
      if (!e->tr[i].blocked) send_messages(e, i, now);
      i = next;
    }
  }
  size_t n = fifo_size(&e->backoff);
  for (size_t k = 0; k < n; k++) {
    uint64_t ref = fifo_shift(&e->backoff);
    int32_t i = deref(e, ref);
    if (i < 0 || e->conns[i].state != ST_QUEUED) continue;
    if (e->conns[i].ready <= now) fifo_push(&e->waiting, ref);
    else fifo_push(&e->backoff, ref);
  }
  while (fifo_size(&e->dial_deadlines) > 0) {
    int32_t i = deref(e, fifo_peek(&e->dial_deadlines));
    if (i >= 0 && e->conns[i].state == ST_DIALING && now - e->conns[i].started < e->dial_timeout_ms) break;
    fifo_shift(&e->dial_deadlines);
    if (i >= 0 && e->conns[i].state == ST_DIALING) fail(e, i, CODE_TIMEOUT, SYS_CONNECT);
  }
  while (fifo_size(&e->verify_deadlines) > 0) {
    int32_t i = deref(e, fifo_peek(&e->verify_deadlines));
    if (i >= 0 && e->conns[i].state == ST_UNVERIFIED && now - e->conns[i].opened < e->expect_timeout_ms) break;
    fifo_shift(&e->verify_deadlines);
    if (i >= 0 && e->conns[i].state == ST_UNVERIFIED) fail_at(e, i, CODE_VERIFY_TIMEOUT, SYS_READ, 1);
  }
  while (fifo_size(&e->late_watch) > 0) {
    int32_t i = deref(e, fifo_peek(&e->late_watch));
    if (i >= 0 && e->conns[i].state == ST_LATE && now - e->conns[i].verified < LATE_GRACE_MS) break;
    fifo_shift(&e->late_watch);
    if (i >= 0 && e->conns[i].state == ST_LATE) unwatch(e, i);
  }
  while (fifo_size(&e->settle_deadlines) > 0) {
    int32_t i = deref(e, fifo_peek(&e->settle_deadlines));
    if (i >= 0 && e->conns[i].state == ST_SETTLING && now - e->conns[i].verified < e->settle_ms) break;
    fifo_shift(&e->settle_deadlines);
    if (i >= 0 && e->conns[i].state == ST_SETTLING) hold(e, i);
  }
  while (e->churn && fifo_size(&e->life_deadlines) > 0) {
    int32_t i = deref(e, fifo_peek(&e->life_deadlines));
    if (i >= 0 && established(e->conns[i].state) && now - e->conns[i].opened < e->lifetime_ms) break;
    fifo_shift(&e->life_deadlines);
    if (i >= 0 && established(e->conns[i].state)) recycle(e, i);
  }
}

static void *run(void *arg) {
  engine_t *e = arg;
  struct epoll_event events[MAX_EVENTS];
  while (!e->quit) {
    int n = epoll_wait(e->epfd, events, MAX_EVENTS, 5);
    pthread_mutex_lock(&e->lock);
    for (int k = 0; k < n; k++) {
      if (events[k].data.u64 == UINT64_MAX) {
        uint64_t v;
        ssize_t r = read(e->wakefd, &v, sizeof v);
        (void)r;
        continue;
      }
      on_event(e, &events[k]);
    }
    sweep(e);
    pump(e);
    pthread_mutex_unlock(&e->lock);
  }
  return NULL;
}

static void wake(engine_t *e) {
  uint64_t one = 1;
  ssize_t r = write(e->wakefd, &one, sizeof one);
  (void)r;
}

/* ---- Node-API ---- */

#define CHECK(call)                                                                                                  \
  do {                                                                                                               \
    if ((call) != napi_ok) {                                                                                         \
      napi_throw_error(env, NULL, "goon-probe native engine: " #call " failed");                                     \
      return NULL;                                                                                                   \
    }                                                                                                                \
  } while (0)

static double get_number(napi_env env, napi_value obj, const char *name, double fallback) {
  napi_value v;
  napi_valuetype t;
  double d;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok) return fallback;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number) return fallback;
  if (napi_get_value_double(env, v, &d) != napi_ok) return fallback;
  return d;
}

static int parse_address(const char *host, int port, struct sockaddr_storage *out, socklen_t *len) {
  memset(out, 0, sizeof *out);
  struct sockaddr_in *in4 = (struct sockaddr_in *)out;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)out;
  if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons((uint16_t)port);
    *len = sizeof *in4;
    return 0;
  }
  if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons((uint16_t)port);
    *len = sizeof *in6;
    return 0;
  }
  return -1;
}

static void shutdown_engine(engine_t *e) {
  if (e->thread_started) {
    e->quit = 1;
    wake(e);
    pthread_join(e->thread, NULL);
    e->thread_started = 0;
  }
  pthread_mutex_lock(&e->lock);
  e->stopped = 1;
  for (int32_t i = 0; i < e->nconns; i++)
    if (e->conns[i].state != ST_FREE) move_to(e, i, ST_FREE);
  e->late_listening = 0;
  pthread_mutex_unlock(&e->lock);
}

/*
 * Frees what every engine has (NULL where create() gave up before making it): create()'s give-up
 * paths call it, and finalize() after freeing the running loop's own state.
 */
static void discard(engine_t *e) {
  free(e->routes);
  free(e->sources);
  free(e->readbuf);
  free(e->send);
  free(e->expect);
  free(e->message);
  free(e->marker);
  free(e->batch);
  free(e->scanbuf);
  pthread_mutex_destroy(&e->lock);
  free(e);
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  engine_t *e = data;
  shutdown_engine(e);
  if (e->epfd >= 0) close(e->epfd);
  if (e->wakefd >= 0) close(e->wakefd);
  free(e->conns);
  free(e->free_list);
  fifo_t *fifos[] = {&e->waiting,         &e->dial_deadlines, &e->settle_deadlines, &e->life_deadlines,
                     &e->backoff,         &e->vacant,         &e->verify_deadlines, &e->late_watch};
  for (size_t k = 0; k < sizeof fifos / sizeof *fifos; k++) free(fifos[k]->items);
  free(e->connect_ms.items);
  free(e->first_byte_ms.items);
  free(e->error_ms.items);
  free(e->late_delays.items);
  free(e->marker_ms.items);
  free(e->tr);
  discard(e);
}

static engine_t *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  size_t want = *argc;
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, NULL, NULL) != napi_ok || *argc < 1 ||
      napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "goon-probe native engine: expected an engine");
    return NULL;
  }
  (void)want;
  return data;
}

/* A copy of the Buffer `name` of `obj` (NULL and 0 when absent or empty); -1 when out of memory. */
static int get_bytes(napi_env env, napi_value obj, const char *name, uint8_t **out, size_t *len) {
  napi_value v;
  bool is_buffer = false;
  void *data = NULL;
  size_t n = 0;
  *out = NULL;
  *len = 0;
  if (napi_get_named_property(env, obj, name, &v) != napi_ok || napi_is_buffer(env, v, &is_buffer) != napi_ok ||
      !is_buffer || napi_get_buffer_info(env, v, &data, &n) != napi_ok || n == 0)
    return 0;
  *out = malloc(n);
  if (!*out) return -1;
  memcpy(*out, data, n);
  *len = n;
  return 0;
}

/* create({ routes: [{ host, port, source }], sources: n, dialTimeoutMs, keepaliveMs, maxInflight,
 *          settleMs, reopenBackoffMs (-1: no reopen), lifetimeMs (-1: no churn),
 *          send (Buffer), expect (Buffer: literal bytes), expectTimeoutMs }) */
static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, NULL, "goon-probe native engine: create needs options");
    return NULL;
  }
  engine_t *e = calloc(1, sizeof *e);
  if (!e) {
    napi_throw_error(env, "ENOMEM", "goon-probe native engine: out of memory");
    return NULL;
  }
  pthread_mutex_init(&e->lock, NULL);
  e->epfd = e->wakefd = -1;
  e->open_head = e->open_tail = e->live_head = e->live_tail = -1;
  e->last_open = -1;
  e->served_len = -1;
  e->dial_timeout_ms = get_number(env, argv[0], "dialTimeoutMs", 5000);
  e->keepalive_ms = get_number(env, argv[0], "keepaliveMs", 0);
  e->settle_ms = get_number(env, argv[0], "settleMs", 0);
  e->max_inflight = get_number(env, argv[0], "maxInflight", 1e18);
  double backoff = get_number(env, argv[0], "reopenBackoffMs", -1);
  e->reopen = backoff >= 0;
  e->backoff_ms = backoff >= 0 ? backoff : 0;
  double lifetime = get_number(env, argv[0], "lifetimeMs", -1);
  e->churn = lifetime >= 0;
  e->lifetime_ms = lifetime >= 0 ? lifetime : 0;
  e->nsources = (int)get_number(env, argv[0], "sources", 0);
  e->expect_timeout_ms = get_number(env, argv[0], "expectTimeoutMs", 5000);
  e->message_rate = get_number(env, argv[0], "messageRatePerSec", -1);
  e->bandwidth = get_number(env, argv[0], "bandwidthBytesPerSec", -1);
  int no_memory = get_bytes(env, argv[0], "send", &e->send, &e->send_len) != 0 ||
                  get_bytes(env, argv[0], "expect", &e->expect, &e->expect_len) != 0 ||
                  get_bytes(env, argv[0], "message", &e->message, &e->message_len) != 0 ||
                  get_bytes(env, argv[0], "latencyMarker", &e->marker, &e->marker_len) != 0;
  if (!no_memory && e->message) {
    size_t copies = SEND_BATCH_BYTES / e->message_len > 0 ? SEND_BATCH_BYTES / e->message_len : 1;
    e->batch_len = copies * e->message_len;
    e->batch = malloc(e->batch_len);
    if (e->batch)
      for (size_t k = 0; k < copies; k++) memcpy(e->batch + k * e->message_len, e->message, e->message_len);
    e->scanbuf = malloc(READ_BUFFER + e->marker_len);
    no_memory = !e->batch || !e->scanbuf;
  }
  if (!e->message && e->marker) {
    /* Markers answer --message copies: none are sent without one. */
    free(e->marker);
    e->marker = NULL;
    e->marker_len = 0;
  }
  if (no_memory) {
    discard(e);
    napi_throw_error(env, "ENOMEM", "goon-probe native engine: out of memory");
    return NULL;
  }
  napi_value routes;
  uint32_t nroutes = 0;
  if (napi_get_named_property(env, argv[0], "routes", &routes) != napi_ok ||
      napi_get_array_length(env, routes, &nroutes) != napi_ok || nroutes == 0) {
    discard(e);
    napi_throw_type_error(env, NULL, "goon-probe native engine: options.routes must be a non-empty array");
    return NULL;
  }
  e->routes = calloc(nroutes, sizeof *e->routes);
  e->sources = calloc(e->nsources > 0 ? (size_t)e->nsources : 1, sizeof *e->sources);
  e->readbuf = malloc(READ_BUFFER);
  e->nroutes = (int)nroutes;
  for (uint32_t k = 0; k < nroutes; k++) {
    napi_value r, hv, sv;
    char host[INET6_ADDRSTRLEN + 1] = {0}, src[INET6_ADDRSTRLEN + 1] = {0};
    size_t hl = 0, sl = 0;
    napi_get_element(env, routes, k, &r);
    napi_get_named_property(env, r, "host", &hv);
    napi_get_value_string_utf8(env, hv, host, sizeof host, &hl);
    int port = (int)get_number(env, r, "port", 0);
    route_t *route = &e->routes[k];
    route->source = (int)get_number(env, r, "source", -1);
    int bad = parse_address(host, port, &route->dst, &route->dstlen) != 0;
    if (route->source >= 0) {
      napi_get_named_property(env, r, "localAddress", &sv);
      napi_get_value_string_utf8(env, sv, src, sizeof src, &sl);
      bad = bad || route->source >= e->nsources || parse_address(src, 0, &route->src, &route->srclen) != 0;
    }
    if (bad) {
      discard(e);
      napi_throw_type_error(env, NULL, "goon-probe native engine: a route is not a numeric address");
      return NULL;
    }
  }
  e->epfd = epoll_create1(EPOLL_CLOEXEC);
  e->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = UINT64_MAX};
  if (e->epfd < 0 || e->wakefd < 0 || epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->wakefd, &ev) != 0 ||
      pthread_create(&e->thread, NULL, run, e) != 0) {
    int err = errno;
    finalize(env, e, NULL);
    napi_throw_error(env, err == EMFILE || err == ENFILE ? "EMFILE" : "ENGINE",
                     "goon-probe native engine: could not start its loop");
    return NULL;
  }
  e->thread_started = 1;
  napi_value out;
  CHECK(napi_create_external(env, e, finalize, NULL, &out));
  return out;
}

static napi_value request(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  engine_t *e = unwrap(env, info, &argc, argv);
  if (!e) return NULL;
  double n = 0;
  napi_get_value_double(env, argv[1], &n);
  pthread_mutex_lock(&e->lock);
  for (double k = 0; k < n && !e->stopped; k++) {
    uint32_t streak = 0;
    if (fifo_size(&e->vacant) > 0) {
      streak = (uint32_t)fifo_shift(&e->vacant);
      e->counters[C_REOPENED]++;
    }
    enqueue(e, streak);
  }
  pump(e);
  pthread_mutex_unlock(&e->lock);
  wake(e);
  return NULL;
}

static void cancel_queued_locked(engine_t *e) {
  fifo_clear(&e->waiting);
  fifo_clear(&e->backoff);
  for (int32_t i = e->live_head; i >= 0;) {
    int32_t next = e->conns[i].live_next;
    if (e->conns[i].state == ST_QUEUED) move_to(e, i, ST_FREE);
    i = next;
  }
}

static napi_value cancel_queued(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  engine_t *e = unwrap(env, info, &argc, argv);
  if (!e) return NULL;
  pthread_mutex_lock(&e->lock);
  cancel_queued_locked(e);
  pthread_mutex_unlock(&e->lock);
  return NULL;
}

/* Closes the `count` newest live connections (queued ones too): the prober's own choice. */
static napi_value shed_newest(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  engine_t *e = unwrap(env, info, &argc, argv);
  if (!e) return NULL;
  double n = 0, closed = 0;
  napi_get_value_double(env, argv[1], &n);
  pthread_mutex_lock(&e->lock);
  while (closed < n && e->live_tail >= 0) {
    move_to(e, e->live_tail, ST_FREE);
    closed++;
  }
  e->counters[C_SHED] += closed;
  pump(e);
  pthread_mutex_unlock(&e->lock);
  napi_value out;
  CHECK(napi_create_double(env, closed, &out));
  return out;
}

static napi_value stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  engine_t *e = unwrap(env, info, &argc, argv);
  if (!e) return NULL;
  shutdown_engine(e);
  return NULL;
}

/* The keepalive options of the oldest open connection, as the kernel reports them: [on, idle s, interval s, probes], or null. */
static napi_value keepalive_of(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  engine_t *e = unwrap(env, info, &argc, argv);
  if (!e) return NULL;
  int values[4] = {0, 0, 0, 0};
  int found = 0;
  pthread_mutex_lock(&e->lock);
  if (e->open_head >= 0 && e->conns[e->open_head].fd >= 0) {
    int fd = e->conns[e->open_head].fd;
    socklen_t len = sizeof(int);
    found = getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &values[0], &len) == 0 &&
            getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &values[1], &len) == 0 &&
            getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &values[2], &len) == 0 &&
            getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &values[3], &len) == 0;
  }
  pthread_mutex_unlock(&e->lock);
  napi_value out;
  if (!found) {
    CHECK(napi_get_null(env, &out));
    return out;
  }
  CHECK(napi_create_array_with_length(env, 4, &out));
  for (uint32_t k = 0; k < 4; k++) {
    napi_value v;
    CHECK(napi_create_int32(env, values[k], &v));
    CHECK(napi_set_element(env, out, k, v));
  }
  return out;
}

static napi_value engine_now(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_double(env, now_ms(), &out));
  return out;
}

static napi_value make_float64(napi_env env, const double *values, size_t n) {
  void *data = NULL;
  napi_value buffer, array;
  if (napi_create_arraybuffer(env, n * sizeof(double), &data, &buffer) != napi_ok) return NULL;
  if (n) memcpy(data, values, n * sizeof(double));
  if (napi_create_typedarray(env, napi_float64_array, n, buffer, 0, &array) != napi_ok) return NULL;
  return array;
}

static napi_value make_first(napi_env env, const first_t *f) {
  napi_value o, v;
  napi_create_object(env, &o);
  napi_create_int32(env, f->code, &v);
  napi_set_named_property(env, o, "code", v);
  napi_create_int32(env, f->syscall, &v);
  napi_set_named_property(env, o, "syscall", v);
  napi_create_int32(env, f->route, &v);
  napi_set_named_property(env, o, "route", v);
  napi_create_double(env, (double)f->seq, &v);
  napi_set_named_property(env, o, "seq", v);
  napi_create_int32(env, f->cause, &v);
  napi_set_named_property(env, o, "cause", v);
  napi_create_string_latin1(env, (const char *)f->bytes, f->len, &v);
  napi_set_named_property(env, o, "bytes", v);
  return o;
}

/* read(engine, observe): counts and samples; `observe` also takes the times to error and starts a new window. */
static napi_value read_engine(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  engine_t *e = unwrap(env, info, &argc, argv);
  if (!e) return NULL;
  bool observe = false;
  if (argc > 1) napi_get_value_bool(env, argv[1], &observe);
  napi_value out, v, list;
  CHECK(napi_create_object(env, &out));
  pthread_mutex_lock(&e->lock);
  if (!e->stopped) sweep(e);
  napi_set_named_property(env, out, "live", make_float64(env, e->live, LIVE_COUNT));
  napi_set_named_property(env, out, "counters", make_float64(env, e->counters, C_COUNT));
  napi_create_double(env, e->peak, &v);
  napi_set_named_property(env, out, "peak", v);
  napi_create_double(env, e->last_open, &v);
  napi_set_named_property(env, out, "lastOpen", v);
  napi_create_double(env, e->held_drop_burst, &v);
  napi_set_named_property(env, out, "heldDropBurst", v);
  napi_set_named_property(env, out, "connectMs", make_float64(env, e->connect_ms.items, e->connect_ms.len));
  napi_set_named_property(env, out, "firstByteMs", make_float64(env, e->first_byte_ms.items, e->first_byte_ms.len));
  napi_set_named_property(env, out, "markerMs", make_float64(env, e->marker_ms.items, e->marker_ms.len));
  e->connect_ms.len = e->first_byte_ms.len = e->marker_ms.len = 0;
  if (observe) {
    napi_set_named_property(env, out, "errorMs", make_float64(env, e->error_ms.items, e->error_ms.len));
    e->error_ms.len = 0;
    e->held_drop_burst = e->held_drop_streak;
    double late[3] = {e->late_watched, e->late_answered, e->late_listening};
    napi_set_named_property(env, out, "late", make_float64(env, late, 3));
    napi_set_named_property(env, out, "lateDelaysMs", make_float64(env, e->late_delays.items, e->late_delays.len));
    napi_create_array_with_length(env, (size_t)e->ncodes, &list);
    for (int k = 0; k < e->ncodes; k++) {
      napi_value t = make_first(env, &e->codes[k].first);
      napi_create_double(env, e->codes[k].count, &v);
      napi_set_named_property(env, t, "count", v);
      napi_set_element(env, list, (uint32_t)k, t);
    }
    napi_set_named_property(env, out, "codes", list);
    napi_create_array_with_length(env, (size_t)e->nsources, &list);
    for (int k = 0; k < e->nsources; k++) {
      source_tally_t *s = &e->sources[k];
      napi_value t;
      napi_create_object(env, &t);
      napi_create_double(env, s->attempts, &v);
      napi_set_named_property(env, t, "attempts", v);
      napi_create_double(env, s->served, &v);
      napi_set_named_property(env, t, "served", v);
      napi_create_double(env, s->failed, &v);
      napi_set_named_property(env, t, "failed", v);
      if (s->has_first) napi_set_named_property(env, t, "first", make_first(env, &s->first));
      napi_set_element(env, list, (uint32_t)k, t);
    }
    napi_set_named_property(env, out, "sources", list);
    if (e->has_source_address) {
      napi_create_string_utf8(env, e->source_address, NAPI_AUTO_LENGTH, &v);
      napi_set_named_property(env, out, "sourceAddress", v);
    }
    if (e->served_len >= 0) {
      napi_create_string_latin1(env, (const char *)e->served_bytes, (size_t)e->served_len, &v);
      napi_set_named_property(env, out, "servedBytes", v);
    }
  }
  pthread_mutex_unlock(&e->lock);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"create", NULL, create, NULL, NULL, NULL, napi_default, NULL},
    {"request", NULL, request, NULL, NULL, NULL, napi_default, NULL},
    {"cancelQueued", NULL, cancel_queued, NULL, NULL, NULL, napi_default, NULL},
    {"shedNewest", NULL, shed_newest, NULL, NULL, NULL, napi_default, NULL},
    {"stop", NULL, stop, NULL, NULL, NULL, napi_default, NULL},
    {"read", NULL, read_engine, NULL, NULL, NULL, napi_default, NULL},
    {"now", NULL, engine_now, NULL, NULL, NULL, napi_default, NULL},
    {"keepaliveOf", NULL, keepalive_of, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof *props, props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE_INIT() { return init(env, exports); }
