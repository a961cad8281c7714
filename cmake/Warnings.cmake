# Strict warnings for our own targets. FANOUT_WERROR turns them into errors (on in CI and `make test`).
option(FANOUT_WERROR "Treat warnings as errors" OFF)
set(FANOUT_WARNING_FLAGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wconversion -Wsign-conversion
    -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
# GCC 12 reports false -Wrestrict positives inside libstdc++'s std::string concatenation at -O3
# (GCC bug 105651); the warning says nothing about our code there.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND FANOUT_WARNING_FLAGS -Wno-restrict)
endif()
# Clang checks the locking annotations of processor/core/thread_annotations.h; GCC has no such
# analysis and the annotations expand to nothing. Misuse of a lock is always an error.
if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  list(APPEND FANOUT_WARNING_FLAGS -Wthread-safety -Werror=thread-safety)
endif()
if(FANOUT_WERROR)
  list(APPEND FANOUT_WARNING_FLAGS -Werror)
endif()

function(fanout_target_warnings target)
  target_compile_options(${target} PRIVATE ${FANOUT_WARNING_FLAGS})
endfunction()
