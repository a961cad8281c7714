# The Debian package (CPack DEB): `make package`, or `cpack -G DEB` in any configured build dir
# once `fanout` is built. deploy/README.md describes what it holds and how it is tested.
#
#   /usr/bin/fanout                               stripped; its symbols in fanout-dbgsym (.ddeb)
#   /usr/lib/systemd/system/fanout@.service       runs /etc/fanout/%i.yaml (deploy/systemd)
#   /usr/share/man/man1/fanout.1.gz               from --help and `fanout config-docs`
#   /usr/share/doc/fanout/                        docs (deploy/README.md as DEPLOY.md), example
#                                                 config, alert rules, dashboard
#
# Depends: computed by dpkg-shlibdeps from the binary's shared libraries (Debian's runtime
# packages of librdkafka, libpq, hiredis, yaml-cpp, ...).

# cpack (and `cmake --install`) install what is built instead of building `all` first, tests
# included: scripts/package.sh builds `fanout` before, and make test's package test packages
# the fanout its build dir already has.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(TARGETS fanout RUNTIME DESTINATION bin)
install(FILES deploy/systemd/fanout@.service DESTINATION lib/systemd/system)
install(FILES README.md docs/OPERATIONS.md docs/CONFIG.md docs/GUARANTEES.md
        DESTINATION share/doc/fanout)
install(FILES deploy/README.md DESTINATION share/doc/fanout RENAME DEPLOY.md)
install(FILES examples/inventory.yaml DESTINATION share/doc/fanout/examples)
install(FILES deploy/prometheus/fanout-rules.yml DESTINATION share/doc/fanout/prometheus)
install(FILES deploy/grafana/fanout.json DESTINATION share/doc/fanout/grafana)
# The man page is made from the installed binary's own output, at install time (only packaging
# needs help2man, not every build).
install(CODE "
  execute_process(
    COMMAND python3 \"${PROJECT_SOURCE_DIR}/deploy/debian/manpage.py\" \"$<TARGET_FILE:fanout>\"
            \"${PROJECT_BINARY_DIR}/fanout.1.gz\"
    RESULT_VARIABLE manpage_status)
  if(NOT manpage_status EQUAL 0)
    message(FATAL_ERROR \"deploy/debian/manpage.py failed (\${manpage_status})\")
  endif()
  file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/share/man/man1\" TYPE FILE
       FILES \"${PROJECT_BINARY_DIR}/fanout.1.gz\")")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME fanout)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "fanout developers <fanout@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "exactly-once fan-out of Debezium change events from Kafka")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "fanout reads the change-event topics Debezium writes and keeps caches (Redis), search
indexes (Elasticsearch/OpenSearch), replica tables (PostgreSQL), Kafka topics and HTTP
services consistent with the source database. Run one instance per config with the systemd
template unit: systemctl enable --now fanout@NAME runs /etc/fanout/NAME.yaml.")
set(CPACK_DEBIAN_PACKAGE_SECTION database)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # fanout_<version>_<arch>.deb
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Splits the symbols of the (RelWithDebInfo) binary into fanout-dbgsym and strips the binary;
# so CPACK_STRIP_FILES stays off, or there would be no symbols left to split.
set(CPACK_DEBIAN_DEBUGINFO_PACKAGE ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${PROJECT_SOURCE_DIR}/deploy/debian/postinst;${PROJECT_SOURCE_DIR}/deploy/debian/postrm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
