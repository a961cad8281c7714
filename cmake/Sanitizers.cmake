# FANOUT_SANITIZE=ON builds everything with AddressSanitizer + UndefinedBehaviorSanitizer (`make asan`).
option(FANOUT_SANITIZE "Build with ASan and UBSan" OFF)
if(FANOUT_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
