# check.cmake — one weft-instrument check, run by CTest as `cmake -D... -P check.cmake`.
#   MODE=golden      instrument INPUT_DIR/NAME (and HEADERS) and compare with EXPECTED_DIR
#   MODE=idempotent  instrument EXPECTED_DIR/NAME again and expect it unchanged
#   MODE=bad         instrument a file that does not parse: non-zero exit, nothing written
# Also: TOOL, WORK (a scratch directory), INCLUDE (weft's runtime/include), HEADER_FILTER.
string(REPLACE "," ";" NAME "${NAME}")  # several translation units: a,b
file(REMOVE_RECURSE "${WORK}")
file(MAKE_DIRECTORY "${WORK}")

function(compare actual expected)
  if(NOT EXISTS "${actual}")
    message(FATAL_ERROR "missing output ${actual}")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${actual}" "${expected}"
                  RESULT_VARIABLE differ)
  if(differ)
    execute_process(COMMAND diff -u "${expected}" "${actual}")
    message(FATAL_ERROR "${actual} differs from the golden ${expected}; if the change is "
                        "intended, run tests/instrument/regenerate.sh and review the diff")
  endif()
endfunction()

if(MODE STREQUAL "golden")
  set(filter "")
  if(HEADER_FILTER)
    set(filter "--header-filter=${HEADER_FILTER}")
  endif()
  set(inputs "")
  foreach(n IN LISTS NAME)
    list(APPEND inputs "${INPUT_DIR}/${n}")
  endforeach()
  execute_process(COMMAND "${TOOL}" --root "${INPUT_DIR}" -o "${WORK}"
                          "--prefix-map=${INPUT_DIR}/=" ${filter} ${inputs} -- -std=c++20
                  RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "weft-instrument failed (${rc})")
  endif()
  foreach(n IN LISTS NAME HEADERS)
    compare("${WORK}/${n}" "${EXPECTED_DIR}/${n}")
  endforeach()
elseif(MODE STREQUAL "idempotent")
  execute_process(COMMAND "${TOOL}" --root "${EXPECTED_DIR}" -o "${WORK}"
                          "${EXPECTED_DIR}/${NAME}" -- -std=c++20 "-I${INCLUDE}"
                  RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "weft-instrument failed (${rc})")
  endif()
  compare("${WORK}/${NAME}" "${EXPECTED_DIR}/${NAME}")
elseif(MODE STREQUAL "bad")
  execute_process(COMMAND "${TOOL}" --root "${INPUT_DIR}" -o "${WORK}" "${INPUT_DIR}/${NAME}"
                          -- -std=c++20
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  message("${err}")
  if(rc EQUAL 0)
    message(FATAL_ERROR "weft-instrument accepted a file that does not parse")
  endif()
  if(NOT err MATCHES "error:")
    message(FATAL_ERROR "weft-instrument did not print the compiler's diagnostics")
  endif()
  file(GLOB_RECURSE left "${WORK}/*")
  if(left)
    message(FATAL_ERROR "weft-instrument left files behind: ${left}")
  endif()
else()
  message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()
