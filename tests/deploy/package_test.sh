#!/usr/bin/env bash
# The Debian package end to end, on this machine: tests/deploy/package_test.sh BUILD_DIR
#
# Packages BUILD_DIR's fanout through the same CPack config as `make package`
# (cmake/Packaging.cmake), without compiling a second time: `make test` runs it on its own build
# dir, the same code in the same RelWithDebInfo build type. Then: the contents and Depends with
# dpkg-deb, the binary stripped and its symbols in the -dbgsym package, `dpkg -i`,
# `fanout --version`, the man page, `systemd-analyze verify` of the installed unit, `dpkg -r`
# and `--purge`.
# Installs into the system: root (or sudo), and no other fanout package installed.
set -euo pipefail
BUILD_DIR="$(cd "${1:?usage: package_test.sh BUILD_DIR}" && pwd)"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

fail() { echo "package_test: FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }
# dpkg does not wait for its lock: while another apt or dpkg runs on the machine, try again
# (for up to 5 minutes).
dpkg_waiting() {
  local deadline=$((SECONDS + 300))
  while ! $SUDO dpkg "$@" 2>"$tmp/dpkg.err"; do
    if ! grep -qi 'lock' "$tmp/dpkg.err" || [ $SECONDS -ge $deadline ]; then
      cat "$tmp/dpkg.err" >&2
      return 1
    fi
    sleep 2
  done
  cat "$tmp/dpkg.err" >&2
}

if dpkg-query -W -f='${Status}' fanout 2>/dev/null | grep -q "install ok installed"; then
  fail "a fanout package is installed already; this test installs and removes its own (dpkg -r fanout first)"
fi
tmp="$(mktemp -d)"
installed=0
cleanup() {
  if [ "$installed" = 1 ]; then dpkg_waiting --purge fanout >/dev/null 2>&1 || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

step "cpack -G DEB on $BUILD_DIR"
if ! (cd "$BUILD_DIR" && cpack -G DEB -B "$tmp/out" >"$tmp/cpack.log" 2>&1); then
  cat "$tmp/cpack.log"
  fail "cpack"
fi
deb="$(ls "$tmp"/out/fanout_*.deb)"
ddeb="$(ls "$tmp"/out/fanout-dbgsym_*.ddeb)"
version="$("$BUILD_DIR/fanout" --version | awk '{print $2}')"
echo "$(basename "$deb") $(du -h "$deb" | cut -f1), $(basename "$ddeb") $(du -h "$ddeb" | cut -f1)"

step "dpkg-deb --info"
dpkg-deb --info "$deb"
[ "$(dpkg-deb --field "$deb" Package)" = fanout ] || fail "Package is not fanout"
[ "$(dpkg-deb --field "$deb" Version)" = "$version" ] || fail "Version is not $version"
depends="$(dpkg-deb --field "$deb" Depends)"
# The runtime libraries, as dpkg-shlibdeps names them from the binary's DT_NEEDED.
for lib in libc6 'libstdc\+\+6' librdkafka1 libpq5 'libhiredis[0-9.]+' 'libyaml-cpp[0-9.]+' \
  libssl3 'libgmp10' libjemalloc2; do
  grep -Eq "(^|, )$lib( |,|$)" <<<"$depends" || fail "Depends lacks $lib: $depends"
done

step "dpkg-deb --contents"
dpkg-deb --contents "$deb" | awk '{print $1, $6}'
contents="$(dpkg-deb --contents "$deb" | awk '{print $6}')"
for path in ./usr/bin/fanout ./usr/lib/systemd/system/fanout@.service \
  ./usr/share/man/man1/fanout.1.gz ./usr/share/doc/fanout/examples/inventory.yaml \
  ./usr/share/doc/fanout/README.md ./usr/share/doc/fanout/DEPLOY.md \
  ./usr/share/doc/fanout/OPERATIONS.md ./usr/share/doc/fanout/CONFIG.md \
  ./usr/share/doc/fanout/prometheus/fanout-rules.yml ./usr/share/doc/fanout/grafana/fanout.json; do
  grep -qx -- "$path" <<<"$contents" || fail "the package lacks $path"
done

step "stripped binary, symbols in $(basename "$ddeb")"
dpkg-deb -x "$deb" "$tmp/root"
dpkg-deb -x "$ddeb" "$tmp/dbg"
file "$tmp/root/usr/bin/fanout" | grep -q ', stripped' || fail "/usr/bin/fanout is not stripped"
build_id="$(readelf -n "$tmp/root/usr/bin/fanout" 2>/dev/null | awk '/Build ID/ {print $3}')"
debug_file="$tmp/dbg/usr/lib/debug/.build-id/${build_id:0:2}/${build_id:2}.debug"
[ -s "$debug_file" ] || fail "no debug file for build id $build_id in the -dbgsym package"
readelf -S "$debug_file" 2>/dev/null | grep -q '\.debug_info' || fail "$debug_file has no .debug_info"
echo "build id $build_id: $(du -h "$tmp/root/usr/bin/fanout" | cut -f1) stripped, $(du -h "$debug_file" | cut -f1) of symbols"

step "dpkg -i"
installed=1  # from here on, cleanup removes it (also after a partial install)
dpkg_waiting -i "$deb" || fail "dpkg -i"
[ "$(/usr/bin/fanout --version)" = "fanout $version" ] || fail "fanout --version: $(/usr/bin/fanout --version)"
/usr/bin/fanout --version
# The man page documents the commands and the configuration keys of this binary.
man_text="$(zcat /usr/share/man/man1/fanout.1.gz)"
for section in '.SH COMMANDS' '.SH CONFIGURATION' '.SH "EXIT STATUS"' '.SS fanout run' 'drain_timeout'; do
  grep -qF -- "$section" <<<"$man_text" || fail "the man page lacks '$section'"
done
[ -d /etc/fanout ] || fail "postinst did not create /etc/fanout"

step "systemd-analyze verify fanout@test.service"
unit=/usr/lib/systemd/system/fanout@.service
cp "$unit" "$tmp/fanout@test.service"
# verify exits 0 on mere warnings (an unknown key, a bad value): any output is a failure too.
# It also checks that ExecStart's binary is executable and that Documentation's man page exists.
if ! systemd-analyze verify "$tmp/fanout@test.service" >"$tmp/verify.log" 2>&1 || [ -s "$tmp/verify.log" ]; then
  cat "$tmp/verify.log"
  fail "systemd-analyze verify"
fi
for line in 'ExecStart=/usr/bin/fanout run -c /etc/fanout/%i.yaml' 'DynamicUser=yes' \
  'ProtectSystem=strict' 'NoNewPrivileges=yes' 'Restart=on-failure' 'RestartPreventExitStatus=1'; do
  grep -qxF -- "$line" "$unit" || fail "the unit lacks '$line'"
done
echo "verified"

step "dpkg -r fanout"
dpkg_waiting -r fanout || fail "dpkg -r"
installed=0
[ ! -e /usr/bin/fanout ] || fail "/usr/bin/fanout is still there after dpkg -r"
[ ! -e "$unit" ] || fail "$unit is still there after dpkg -r"
# The maintainer scripts keep it in "config-files" state until purged: leave no trace.
dpkg_waiting --purge fanout || fail "dpkg --purge"
if dpkg-query -W -f='${Status}' fanout 2>/dev/null | grep -q 'config-files'; then
  fail "fanout is still known to dpkg after --purge"
fi
echo "package_test: OK"
