#!/bin/sh
# Installs the real servers the tests probe (redis-server, lighttpd, sshd, and PostgreSQL, MariaDB,
# nginx, mosquitto, nats-server, memcached for the URL targets), gcc for the native engine (and the
# aarch64 cross compiler for its arm64 prebuild), ip(8) and sysctl(8) for the
# several-hosts test, and Chromium for the HTML report test, from Debian when they are missing.
# Runs before every `npm test` (npm's pretest). Without root or apt-get it only says what is
# missing; the tests that need them then fail and name it.
missing=""
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v lighttpd >/dev/null 2>&1 || [ -x /usr/sbin/lighttpd ] || missing="$missing lighttpd"
# sshd forks for every connection: the test of a target slower than the ramp (MaxStartups).
[ -x /usr/sbin/sshd ] || missing="$missing openssh-server"
# The several-hosts test makes its hosts from network namespaces (ip netns) and sets their port ranges (sysctl).
command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || missing="$missing iproute2"
command -v sysctl >/dev/null 2>&1 || [ -x /usr/sbin/sysctl ] || [ -x /sbin/sysctl ] || missing="$missing procps"
# The HTML report test opens the pages in Debian's Chromium, headless (playwright-core drives it; no browser download).
[ -x /usr/bin/chromium ] || missing="$missing chromium"
# The URL-target tests (issue 25): one real server per protocol, each started by its test on a loopback port.
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$missing postgresql"
[ -x /usr/sbin/mariadbd ] || missing="$missing mariadb-server"
[ -x /usr/sbin/nginx ] || missing="$missing nginx-light"
[ -x /usr/sbin/mosquitto ] || missing="$missing mosquitto"
command -v nats-server >/dev/null 2>&1 || missing="$missing nats-server"
[ -x /usr/bin/memcached ] || missing="$missing memcached"
# The native engine's tests build it (and a sanitizer copy) with the C compiler.
command -v cc >/dev/null 2>&1 || missing="$missing gcc libc6-dev"
# npm pack cross-compiles the package's linux-arm64 prebuild on x86_64 (the packaging test checks it).
[ "$(uname -m)" != x86_64 ] || command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing="$missing gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
# npm install builds the native engine where cc is; a compiler installed here comes after it.
build_native() { [ -f build/native/goon-probe-engine.node ] || node scripts/buildNative.mjs --install; }
[ -z "$missing" ] && { build_native; exit 0; }
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && command -v apt-get >/dev/null 2>&1; then
  SUDO="sudo -n"
else
  echo "note: missing$missing; install them (apt-get install$missing) for the real-server tests" >&2
  build_native
  exit 0
fi
echo "installing$missing from Debian for the real-server tests" >&2
# The tests start their own servers on loopback ports. Keep the packages from starting theirs on
# install (Debian's policy-rc.d answer 101: "action forbidden"), so nothing has to be stopped
# afterwards: this script never stops or reconfigures a service, whether it was running before or not.
POLICY=/usr/sbin/policy-rc.d
OWN_POLICY=""
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null && $SUDO chmod 755 "$POLICY" && OWN_POLICY=1
  trap '[ -n "$OWN_POLICY" ] && $SUDO rm -f "$POLICY"' EXIT INT TERM
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 \
  || { $SUDO apt-get update >/dev/null 2>&1 && $SUDO apt-get install -y --no-install-recommends $missing >/dev/null 2>&1; } \
  || echo "note: could not install$missing" >&2
build_native
exit 0
