# fanout_library: one static library of the folder whose CMakeLists.txt declares it.
#
#   fanout_library(<name> SOURCES a.cc b.cc [HEADERS a.h b.h]
#                  [PUBLIC_DEPS <targets its headers need>] [DEPS <targets its sources need>])
#
# Includes stay relative to the repository root (#include "processor/core/status.h"), but a
# library sees only its own folder's headers and those of the libraries it links: each library
# gets an include root of its own under the build tree, <build>/include/<name>, holding links to
# its folder's headers (HEADERS, or every *.h of the folder). Nothing includes the repository
# root, so a header of a folder the library does not link is not found: in processor/,
# #include "sinks/sink.h" fails with "No such file or directory". DEPS are linked PRIVATE, so a
# library's dependencies do not leak into the include path of those that link it; PUBLIC_DEPS
# only for what its own headers include.
function(fanout_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;HEADERS;PUBLIC_DEPS;DEPS" ${ARGN})
  file(RELATIVE_PATH folder ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  if(ARG_HEADERS)
    list(TRANSFORM ARG_HEADERS PREPEND ${CMAKE_CURRENT_SOURCE_DIR}/ OUTPUT_VARIABLE headers)
  else()
    file(GLOB headers CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.h)
  endif()
  set(root ${PROJECT_BINARY_DIR}/include/${name})
  file(REMOVE_RECURSE ${root})
  file(MAKE_DIRECTORY ${root}/${folder})
  foreach(header IN LISTS headers)
    get_filename_component(file_name ${header} NAME)
    file(CREATE_LINK ${header} ${root}/${folder}/${file_name} SYMBOLIC)
  endforeach()

  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${root})
  target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_DEPS})
  fanout_target_warnings(${name})
endfunction()
