# check_cli.cmake — weft-instrument's -p BUILD_DIR, run by CTest as `cmake -D... -P`.
#   MODE=database     write WORK/compile_commands.json for SOURCE with -DFROM_DATABASE=1,
#                     instrument with -p WORK: exit 0 and the copy has the rewritten access
#   MODE=no_database  -p a directory with none there or above: exit 2, a message that says what to do,
#                     and no copy written
# Also: TOOL, WORK (a scratch directory).
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
else()
  message(FATAL_ERROR "unknown MODE ${MODE}")
endif()
