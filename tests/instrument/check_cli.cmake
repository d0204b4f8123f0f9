# check_cli.cmake — weft-instrument's -p BUILD_DIR, run by CTest as `cmake -D... -P`.
#   MODE=database     write WORK/compile_commands.json for SOURCE with -DFROM_DATABASE=1,
#                     instrument with -p WORK: exit 0 and the copy has the rewritten access
#   MODE=no_database  -p a directory with none there or above: exit 2, a message that says what to do,
#                     and no copy written
#   MODE=in_place     --in-place on a copy: rewritten, and unchanged by a second run
#   MODE=outside_root a file outside --root: refused, nothing written
#   MODE=partial      one good file and one that does not parse: exit 1, no copy at all
#   MODE=bad_flag     a flag Clang rejects (-std=gnu++23) from compile_commands.json: exit 1,
#                     no copy
#   MODE=summary      an access in a macro body: exit 0, one summary line naming it, and
#                     --explain lists its location
#   MODE=strict       the same with --strict: exit 1, no copy
# Also: TOOL, WORK (a scratch directory), INCLUDE (weft's runtime/include).
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}/build" "${WORK}/out")
get_filename_component(dir "${SOURCE}" DIRECTORY)
get_filename_component(name "${SOURCE}" NAME)

if(MODE STREQUAL "database")
  file(WRITE "${WORK}/build/compile_commands.json" "[{\"directory\": \"${dir}\", \"file\": \"${SOURCE}\", \"command\": \"c++ -std=c++20 -DFROM_DATABASE=1 -c ${SOURCE}\"}]\n")
  execute_process(COMMAND "${TOOL}" -p "${WORK}/build" --root "${dir}" -o "${WORK}/out" "${SOURCE}"
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "weft-instrument -p failed (${rc}):\n${err}")
  endif()
  file(READ "${WORK}/out/${name}" copy)
  if(NOT copy MATCHES "::weft::instr::update\\(counter")
    message(FATAL_ERROR "the copy lacks the rewritten ++counter:\n${copy}")
  endif()
elseif(MODE STREQUAL "no_database")
  # Outside the build tree: -p also searches the directories above the one it is given.
  execute_process(COMMAND "${TOOL}" -p /weft-instrument-test/no-such-build -o "${WORK}/out"
                          "${SOURCE}"
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 2 OR NOT err MATCHES "no compile_commands.json" OR
     NOT err MATCHES "CMAKE_EXPORT_COMPILE_COMMANDS")
    message(FATAL_ERROR "expected exit 2 and a message naming compile_commands.json, got "
                        "${rc}:\n${err}")
  endif()
  file(GLOB_RECURSE written "${WORK}/out/*")
  if(written)
    message(FATAL_ERROR "wrote ${written} although it failed")
  endif()
elseif(MODE STREQUAL "in_place")
  # --in-place rewrites the file itself; a second run leaves it as it is.
  configure_file("${SOURCE}" "${WORK}/${name}" COPYONLY)
  foreach(run 1 2)
    execute_process(COMMAND "${TOOL}" --in-place "${WORK}/${name}" -- -DFROM_DATABASE=1
                            "-I${INCLUDE}"
                    RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "weft-instrument --in-place failed (${rc}):\n${err}")
    endif()
    file(READ "${WORK}/${name}" text_${run})
  endforeach()
  if(NOT text_1 MATCHES "::weft::instr::update\\(counter")
    message(FATAL_ERROR "--in-place did not rewrite the file:\n${text_1}")
  endif()
  if(NOT text_1 STREQUAL text_2)
    message(FATAL_ERROR "a second --in-place run changed the file")
  endif()
elseif(MODE STREQUAL "outside_root")
  # A file that cannot be mirrored under --root is refused, and nothing is written.
  execute_process(COMMAND "${TOOL}" --root "${WORK}/elsewhere" -o "${WORK}/out" "${SOURCE}"
                          -- -DFROM_DATABASE=1
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(rc EQUAL 0 OR NOT err MATCHES "outside --root")
    message(FATAL_ERROR "expected a failure naming --root, got ${rc}:\n${err}")
  endif()
  file(GLOB_RECURSE written "${WORK}/out/*")
  if(written)
    message(FATAL_ERROR "wrote ${written} although it failed")
  endif()
elseif(MODE STREQUAL "partial")
  file(WRITE "${WORK}/broken.cpp" "int broken = ;\n")
  configure_file("${SOURCE}" "${WORK}/${name}" COPYONLY)
  execute_process(COMMAND "${TOOL}" --root "${WORK}" -o "${WORK}/out" "${WORK}/${name}"
                          "${WORK}/broken.cpp" -- -DFROM_DATABASE=1
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 1 OR NOT err MATCHES "no copies written")
    message(FATAL_ERROR "expected exit 1 and 'no copies written', got ${rc}:\n${err}")
  endif()
  file(GLOB_RECURSE written "${WORK}/out/*")
  if(written)
    message(FATAL_ERROR "wrote ${written} although another file failed")
  endif()
elseif(MODE STREQUAL "bad_flag")
  file(WRITE "${WORK}/build/compile_commands.json" "[{\"directory\": \"${dir}\", \"file\": \"${SOURCE}\", \"command\": \"g++ -std=gnu++23 -DFROM_DATABASE=1 -c ${SOURCE}\"}]\n")
  execute_process(COMMAND "${TOOL}" -p "${WORK}/build" --root "${dir}" -o "${WORK}/out" "${SOURCE}"
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 1 OR NOT err MATCHES "gnu\\+\\+23")
    message(FATAL_ERROR "expected exit 1 and an error naming -std=gnu++23, got ${rc}:\n${err}")
  endif()
  file(GLOB_RECURSE written "${WORK}/out/*")
  if(written)
    message(FATAL_ERROR "wrote ${written} although Clang rejected a flag")
  endif()
elseif(MODE STREQUAL "summary" OR MODE STREQUAL "strict")
  set(src "${dir}/macro_body.cpp")
  set(extra "")
  if(MODE STREQUAL "strict")
    set(extra --strict)
  endif()
  execute_process(COMMAND "${TOOL}" ${extra} --root "${dir}" -o "${WORK}/out" "${src}" --
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT err MATCHES "weft-instrument: 1 access not instrumented \\(1 in a macro body\\); --explain lists them")
    message(FATAL_ERROR "expected the one-line summary, got ${rc}:\n${err}")
  endif()
  file(GLOB_RECURSE written "${WORK}/out/*")
  if(MODE STREQUAL "strict")
    if(NOT rc EQUAL 1 OR NOT err MATCHES "--strict" OR written)
      message(FATAL_ERROR "--strict: expected exit 1 and no copy, got ${rc} ${written}:\n${err}")
    endif()
  else()
    if(NOT rc EQUAL 0 OR NOT written)
      message(FATAL_ERROR "expected exit 0 and a copy, got ${rc}:\n${err}")
    endif()
    execute_process(COMMAND "${TOOL}" --explain --root "${dir}" -o "${WORK}/out" "${src}" --
                    RESULT_VARIABLE rc ERROR_VARIABLE err)
    if(NOT rc EQUAL 0 OR NOT err MATCHES "macro_body.cpp:5:[0-9]+: in a macro body")
      message(FATAL_ERROR "--explain: expected macro_body.cpp:5 listed, got ${rc}:\n${err}")
    endif()
  endif()
else()
  message(FATAL_ERROR "unknown MODE ${MODE}")
endif()
