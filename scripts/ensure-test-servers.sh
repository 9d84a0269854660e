#!/bin/sh
# Installs the real servers the tests probe (redis-server, lighttpd) from Debian when they are
# missing. Runs before every `npm test` (npm's pretest). Without root or apt-get it only says what
# is missing; the tests that need a server then fail and name it.
missing=""
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v lighttpd >/dev/null 2>&1 || [ -x /usr/sbin/lighttpd ] || missing="$missing lighttpd"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && command -v apt-get >/dev/null 2>&1; then
  SUDO="sudo -n"
else
  echo "note: missing$missing; install them (apt-get install$missing) for the real-server tests" >&2
  exit 0
fi
echo "installing$missing from Debian for the real-server tests" >&2
# policy-rc.d-style guard: never start the packages' own services.
export DEBIAN_FRONTEND=noninteractive RUNLEVEL=1
$SUDO apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 \
  || { $SUDO apt-get update >/dev/null 2>&1 && $SUDO apt-get install -y --no-install-recommends $missing >/dev/null 2>&1; } \
  || echo "note: could not install$missing" >&2
# Debian starts services on install where it can; the tests start their own, on loopback ports.
for service in redis-server lighttpd; do
  $SUDO service "$service" stop >/dev/null 2>&1 || true
done
exit 0
