#!/usr/bin/env bash
# Installs every Debian package fanout needs to build, test, benchmark and run its local stack.
# Idempotent: packages already present are skipped, and apt is only touched when something is missing.
#   scripts/install-deps.sh           everything
#   scripts/install-deps.sh --build   only what `make package` needs (deploy/kubernetes/Dockerfile)
set -euo pipefail

BUILD_PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  # libraries
  librdkafka-dev libpq-dev libboost-dev libboost-system-dev libyaml-cpp-dev
  libsimdjson-dev libspdlog-dev libfmt-dev libcli11-dev libhiredis-dev libssl-dev libgmp-dev
  # the allocator fanout links when it is there (cmake/Allocator.cmake): the library alone, no headers
  libjemalloc2
  # `make package` (cmake/Packaging.cmake): the man page, dpkg-shlibdeps, objcopy for -dbgsym
  help2man python3 dpkg-dev file binutils
)
PACKAGES=(
  "${BUILD_PACKAGES[@]}"
  clang clang-format libclang-rt-14-dev curl
  libgtest-dev libgmock-dev libbenchmark-dev openssl
  # servers and tools for the stack (Kafka, Connect and OpenSearch come from Maven Central)
  postgresql-15 postgresql-client-15 redis-server redis-tools openjdk-17-jdk-headless maven
  # the MariaDB 10.11 source (stack component mariadb; Debezium's MySQL connector reads its binlog)
  mariadb-server mariadb-client
  # the ClickHouse sink's server (stack component clickhouse; Debian's 18.16, see stack/README.md)
  clickhouse-server clickhouse-client
  procps psmisc jq kcat
  # `make bench`'s plot of the Summary table (bench/summary/summary.py -> docs/benchmarks-summary.png)
  gnuplot-nox
  # TLS termination in front of test servers (tests/integration/tls_test.cc)
  socat
  # promtool (checks fanout's /metrics in tests/integration/observability_test.cc, deploy/prometheus's
  # rules) and the Prometheus server of the stack (stack/stack.sh, 127.0.0.1:19090)
  prometheus
  # the proof's workload, chaos driver, receiver and checker (tests/proof, standard library only)
  python3
  # the package test (tests/deploy): systemd-analyze verify of the installed unit; the manifests'
  # test parses YAML
  systemd python3-yaml
)
if [ "${1:-}" = --build ]; then PACKAGES=("${BUILD_PACKAGES[@]}"); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Debian's postgresql package would start a cluster on 5432; the stack runs its own clusters instead.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's redis-server package starts a system service on 6379; the stack runs its own on another port.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
  $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
fi
# Debian's prometheus package starts a Prometheus server on 9090; the stack runs its own on 19090.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
  $SUDO systemctl disable --now prometheus >/dev/null 2>&1 || true
fi
# Debian's mariadb-server package starts a system service on 3306; the stack runs its own on another port.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mariadb 2>/dev/null; then
  $SUDO systemctl disable --now mariadb >/dev/null 2>&1 || true
fi
# Debian's clickhouse-server package enables a system service on 8123/9000; the stack runs its own
# on 18123/19000.
if command -v systemctl >/dev/null 2>&1 && systemctl is-enabled --quiet clickhouse-server 2>/dev/null; then
  $SUDO systemctl disable --now clickhouse-server >/dev/null 2>&1 || true
fi
echo "install-deps: done"
