#!/usr/bin/env bash
# The end-to-end load benchmark of issue 8: mailproxy vs Dovecot's proxy vs nginx's mail proxy, on
# loopback, in front of one private Dovecot. Run as root from the repository root:
#
#   proxy-bench/run-bench.sh                 # full run, the README's table: about 9 minutes
#   proxy-bench/run-bench.sh --rounds 1 --seconds 1 --warmup 3 --workloads imap,relay
#   proxy-bench/run-bench.sh --tls           # IMAPS: mailproxy (JDK, Conscrypt), Dovecot, nginx
#
# Defaults: --rounds 3 --seconds 5 --warmup 15 --idle 1000 --capacity 10000. BENCH_JAR=path runs another
# build of the benchmark jar; REBUILD=1 rebuilds it.
#
# JMH microbenchmarks are separate: java -jar proxy-bench/target/benchmarks.jar -prof gc
#
# Installs Dovecot and nginx's mail module from Debian when absent, without starting Debian's
# services (policy-rc.d), and never touches system services or ports 143/110: every server runs as a
# private instance on high loopback ports under a temporary directory and is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v dovecot >/dev/null || need+=(dovecot-core dovecot-imapd dovecot-pop3d)
[ -e /usr/share/dovecot/protocols.d/imapd.protocol ] || need+=(dovecot-imapd)
[ -e /usr/share/dovecot/protocols.d/pop3d.protocol ] || need+=(dovecot-pop3d)
command -v nginx >/dev/null || need+=(nginx)
[ -e /usr/lib/nginx/modules/ngx_mail_module.so ] || need+=(libnginx-mod-mail)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
  rm -f /usr/sbin/policy-rc.d
  trap - EXIT
fi

jar="${BENCH_JAR:-proxy-bench/target/benchmarks.jar}"
if [ ! -f "$jar" ] || [ "${REBUILD:-0}" = 1 ]; then
  mvn -B -q -DskipTests -pl proxy-bench -am package
fi

# 10,000 proxied sessions need 20,000 sockets in one process; the runner takes what it may get
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

main=io.github.mailproxy.bench.LoadBench
if [ "${1:-}" = --tls ]; then
  # IMAPS through mailproxy (JDK and Conscrypt), Dovecot's proxy and nginx; needs the openssl command
  main=io.github.mailproxy.bench.TlsBench
  shift
fi
java -XX:+UseSerialGC -Xmx1g -Xss256k -cp "$jar" "$main" "$@" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid"' INT TERM
wait "$pid"
