# The allocator fanout links: jemalloc when its library is there (FANOUT_JEMALLOC=AUTO, the
# default), required with ON, glibc's malloc with OFF. Never with a sanitizer (FANOUT_SANITIZE,
# FANOUT_TSAN, or -fsanitize in CMAKE_CXX_FLAGS): they bring their own.
#
# Why: the consume thread frees what librdkafka's threads allocated (the messages) and the sink
# dispatcher frees per batch what it allocated per record. glibc's malloc handles that pattern
# badly: on the Redis route over a third of the consume thread's samples were _int_malloc, _int_free,
# unlink_chunk and malloc_consolidate, and jemalloc took ~26% off fanout's CPU per run, same
# build, same topic (docs/BENCHMARKS.md, issue 19). Peak RSS under a backlog stayed within the
# bound (bench/memory/backlog_rss.sh).
#
# Only the shared library is needed (Debian: libjemalloc2, no headers): linked ahead of libc, its
# malloc/free/new serve the whole process, librdkafka included. The Debian package depends on it
# through dpkg-shlibdeps. app/allocator.h reports which allocator a binary runs with.
set(FANOUT_JEMALLOC AUTO CACHE STRING "Link jemalloc as the allocator: AUTO (when found), ON, OFF")
set_property(CACHE FANOUT_JEMALLOC PROPERTY STRINGS AUTO ON OFF)

set(FANOUT_ALLOCATOR glibc)
if(NOT FANOUT_JEMALLOC STREQUAL "OFF" AND NOT FANOUT_SANITIZE AND NOT FANOUT_TSAN
   AND NOT CMAKE_CXX_FLAGS MATCHES "-fsanitize")
  find_library(FANOUT_JEMALLOC_LIBRARY NAMES jemalloc libjemalloc.so.2)
  if(FANOUT_JEMALLOC_LIBRARY)
    set(FANOUT_ALLOCATOR jemalloc)
  elseif(FANOUT_JEMALLOC STREQUAL "ON")
    message(FATAL_ERROR "FANOUT_JEMALLOC=ON, but no jemalloc library was found (Debian: libjemalloc2)")
  endif()
endif()
message(STATUS "fanout allocator: ${FANOUT_ALLOCATOR}")

# Links the allocator into an executable. --no-as-needed: nothing references jemalloc by name,
# so a linker that drops unreferenced libraries would otherwise leave glibc's malloc in place.
function(fanout_link_allocator target)
  if(FANOUT_ALLOCATOR STREQUAL "jemalloc")
    target_link_libraries(${target} PRIVATE "-Wl,--push-state,--no-as-needed"
                                            "${FANOUT_JEMALLOC_LIBRARY}" "-Wl,--pop-state")
  endif()
endfunction()
