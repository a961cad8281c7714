# FANOUT_SANITIZE=ON builds everything with AddressSanitizer + UndefinedBehaviorSanitizer (`make asan`).
option(FANOUT_SANITIZE "Build with ASan and UBSan" OFF)
if(FANOUT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# FANOUT_TSAN=ON builds everything with ThreadSanitizer (`make tsan`, clang). It cannot be combined
# with ASan, so it is a separate build.
option(FANOUT_TSAN "Build with ThreadSanitizer" OFF)
if(FANOUT_TSAN)
  if(FANOUT_SANITIZE)
    message(FATAL_ERROR "FANOUT_TSAN and FANOUT_SANITIZE cannot be combined")
  endif()
  # After the build type's -O2 -g, so these win: -O1 as the TSan manual suggests, and line tables
  # (all a report needs for file:line) build much faster than full debug info.
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -O1 -gline-tables-only)
  add_link_options(-fsanitize=thread)
endif()
