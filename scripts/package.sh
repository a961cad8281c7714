#!/usr/bin/env bash
# `make package`: the Debian package of fanout (cmake/Packaging.cmake) from a RelWithDebInfo
# build dir of its own (default build-package), without the tests. Writes
# BUILD_DIR/fanout_<version>_<arch>.deb and fanout-dbgsym_<version>_<arch>.ddeb.
# Also the first stage of deploy/kubernetes/Dockerfile. CMAKE_FLAGS adds cmake arguments.
set -euo pipefail
BUILD_DIR="${1:-build-package}"
cd "$(dirname "$0")/.."
# shellcheck disable=SC2086  # CMAKE_FLAGS: extra arguments, as for the Makefile's build dir
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFANOUT_BUILD_TESTS=OFF \
  -DFANOUT_WERROR=ON ${CMAKE_FLAGS:-}
cmake --build "$BUILD_DIR" -j "${JOBS:-$(nproc)}" --target fanout
(cd "$BUILD_DIR" && cpack -G DEB)
ls -l "$BUILD_DIR"/fanout_*.deb "$BUILD_DIR"/fanout-dbgsym_*.ddeb
