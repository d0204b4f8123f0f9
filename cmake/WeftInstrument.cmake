# WeftInstrument.cmake — build a target from weft-instrument'ed copies of its sources.
#
#   weft_instrument(<target> [ROOT <dir>] [HEADER_FILTER <regex>])
#
# Replaces the target's C++ sources by instrumented copies generated under
# ${CMAKE_CURRENT_BINARY_DIR}/weft-instrumented/<target>/ (paths mirror those under ROOT,
# default ${CMAKE_CURRENT_SOURCE_DIR}); headers under ROOT are instrumented too unless
# HEADER_FILTER says otherwise. Mirrors of the target's include directories come first, the
# original directories stay on the path, and the target links weft::weft (the hooks'
# definitions). One weft-instrument run per target writes all copies, so a header shared by
# several sources has one writer; it rewrites only the copies whose text changed, so an
# edit recompiles only what it affects.
#
#   add_executable(chan_race_test chan_race_test.cpp)
#   weft_instrument(chan_race_test)
#
# Works inside weft's own tree (the weft-instrument target) and, after `cmake --install`,
# from any project through find_package(weft), which defines weft::weft-instrument and
# includes this file. The tool parses with the target's language standard (CXX_STANDARD,
# a cxx_std_NN compile feature, or CMAKE_CXX_STANDARD; at least 20, which weft needs).
include_guard(GLOBAL)

# The -std= flag Clang 16 understands for the standard `target` is compiled with.
function(_weft_instrument_std target out_var)
  set(level 20)
  get_target_property(prop ${target} CXX_STANDARD)
  if(prop)
    set(level ${prop})
  elseif(CMAKE_CXX_STANDARD)
    set(level ${CMAKE_CXX_STANDARD})
  endif()
  get_target_property(features ${target} COMPILE_FEATURES)
  if(features)
    foreach(f IN LISTS features)
      if(f MATCHES "^cxx_std_([0-9]+)$")
        if(CMAKE_MATCH_1 GREATER level)
          set(level ${CMAKE_MATCH_1})
        endif()
      endif()
    endforeach()
  endif()
  if(level LESS 20)
    set(level 20)  # weft::weft requires C++20 and raises the target to it
  endif()
  # Clang 16 spells C++23 as c++2b; it knows nothing later.
  if(level EQUAL 20)
    set(name 20)
  elseif(level EQUAL 23)
    set(name 2b)
  else()
    message(FATAL_ERROR "weft_instrument(${target}): C++${level} is not supported by "
                        "weft-instrument (Clang 16 parses C++20 and C++23); set the target's "
                        "CXX_STANDARD to 20 or 23")
  endif()
  get_target_property(ext ${target} CXX_EXTENSIONS)
  if(ext STREQUAL "ext-NOTFOUND")
    set(ext ${CMAKE_CXX_EXTENSIONS})
    if(NOT DEFINED CMAKE_CXX_EXTENSIONS)
      set(ext ON)  # CMake's default
    endif()
  endif()
  if(ext)
    set(${out_var} "-std=gnu++${name}" PARENT_SCOPE)
  else()
    set(${out_var} "-std=c++${name}" PARENT_SCOPE)
  endif()
endfunction()

function(weft_instrument target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "ROOT;HEADER_FILTER" "")
  if(TARGET weft-instrument)  # inside weft's own tree
    set(tool weft-instrument)
  elseif(TARGET weft::weft-instrument)  # an installed weft, through find_package(weft)
    set(tool weft::weft-instrument)
  else()
    message(FATAL_ERROR "weft_instrument(${target}): no weft-instrument. Inside weft's tree it "
                        "needs Clang/LLVM 16 and WEFT_BUILD_INSTRUMENT=ON; from another project, "
                        "find_package(weft) before calling weft_instrument, with a weft installed "
                        "from a build that had weft-instrument")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "weft_instrument(${target}): no target named ${target} in this "
                        "project; call weft_instrument after add_executable/add_library")
  endif()
  _weft_instrument_std(${target} std_flag)
  if(NOT ARG_ROOT)
    set(ARG_ROOT ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
  file(REAL_PATH "${ARG_ROOT}" root)
  if(NOT DEFINED ARG_HEADER_FILTER)
    string(REGEX REPLACE "([][+.*()^$?|\\\\{}])" "\\\\\\1" escaped "${root}")
    set(ARG_HEADER_FILTER "^${escaped}/")
  endif()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/weft-instrumented/${target})

  get_target_property(sources ${target} SOURCES)
  get_target_property(source_dir ${target} SOURCE_DIR)
  set(inputs "")
  set(outputs "")
  set(new_sources "")
  set(original_dirs "")
  foreach(src IN LISTS sources)
    get_filename_component(abs "${src}" ABSOLUTE BASE_DIR "${source_dir}")
    get_filename_component(ext "${abs}" LAST_EXT)
    string(FIND "${abs}" "${root}/" at)
    if(ext MATCHES "^\\.(cpp|cc|cxx|c\\+\\+|C)$" AND at EQUAL 0)
      file(RELATIVE_PATH rel "${root}" "${abs}")
      list(APPEND inputs "${abs}")
      list(APPEND outputs "${out}/${rel}")
      list(APPEND new_sources "${out}/${rel}")
      get_filename_component(dir "${abs}" DIRECTORY)
      list(APPEND original_dirs "${dir}")
    else()
      list(APPEND new_sources "${src}")
    endif()
  endforeach()
  if(NOT inputs)
    message(WARNING "weft_instrument(${target}): no C++ sources under ${root}")
    return()
  endif()

  # Mirrors of include directories under ROOT go first so instrumented headers win.
  get_target_property(include_dirs ${target} INCLUDE_DIRECTORIES)
  set(mirrors "")
  foreach(dir IN LISTS include_dirs)
    if(dir AND NOT dir MATCHES "\\$<")
      string(FIND "${dir}/" "${root}/" at)
      if(at EQUAL 0)
        file(RELATIVE_PATH rel "${root}" "${dir}")
        list(APPEND mirrors "${out}/${rel}")
      endif()
    endif()
  endforeach()
  file(GLOB_RECURSE headers CONFIGURE_DEPENDS
       "${root}/*.h" "${root}/*.hh" "${root}/*.hpp" "${root}/*.hxx" "${root}/*.inc")
  list(FILTER headers EXCLUDE REGEX "^${CMAKE_BINARY_DIR}/")

  # The tool must parse the original headers, never the mirrors of an earlier run (which come
  # first on the target's own include path): otherwise an edited header would not be seen
  # and its copy would go stale.
  string(REGEX REPLACE "([][+.*()^$?|\\\\{}])" "\\\\\\1" escaped_out "${out}")
  set(incs "$<FILTER:$<TARGET_PROPERTY:${target},INCLUDE_DIRECTORIES>,EXCLUDE,^${escaped_out}(/|$)>")
  set(defs "$<TARGET_PROPERTY:${target},COMPILE_DEFINITIONS>")
  # The include directories the tool parses with, one per line, for inspection (and a test).
  file(GENERATE OUTPUT ${out}.include-dirs CONTENT "$<JOIN:${incs},\n>\n")
  set(stamp ${out}.stamp)
  add_custom_command(
    OUTPUT ${stamp}
    BYPRODUCTS ${outputs}
    COMMAND ${tool} --root ${root} -o ${out} --header-filter=${ARG_HEADER_FILTER}
            ${inputs} --
            "$<$<BOOL:${incs}>:-I$<JOIN:${incs},;-I>>"
            "$<$<BOOL:${defs}>:-D$<JOIN:${defs},;-D>>"
            ${std_flag}
    COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
    DEPENDS ${tool} ${inputs} ${headers}
    COMMENT "weft-instrument: instrumenting ${target}"
    COMMAND_EXPAND_LISTS
    VERBATIM)
  add_custom_target(${target}_weft_instrumented DEPENDS ${stamp})
  add_dependencies(${target} ${target}_weft_instrumented)

  set_property(TARGET ${target} PROPERTY SOURCES ${new_sources})
  list(REMOVE_DUPLICATES original_dirs)
  target_include_directories(${target} BEFORE PRIVATE ${mirrors})
  target_include_directories(${target} PRIVATE ${original_dirs})
  target_link_libraries(${target} PRIVATE weft::weft)
endfunction()
