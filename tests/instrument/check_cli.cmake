# check_cli.cmake — weft-instrument's -p BUILD_DIR, run by CTest as `cmake -D... -P`.
#   MODE=database     write WORK/compile_commands.json for SOURCE with -DFROM_DATABASE=1,
#                     instrument with -p WORK: exit 0 and the copy has the rewritten access
#   MODE=no_database  -p a directory with none there or above: exit 2, a message that says what to do,
#                     and no copy written
#   MODE=in_place     --in-place on a copy: rewritten, and unchanged by a second run
#   MODE=outside_root a file outside --root: refused, nothing written
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
else()
  message(FATAL_ERROR "unknown MODE ${MODE}")
endif()
