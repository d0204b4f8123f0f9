# check_stats.cmake — weft-instrument --report-stats on the template-heavy e2e programs
# (CRTP, variadic packs, if constexpr, dependent members, generic lambdas), run by CTest as
# `cmake -D... -P`: every access in every instantiation is instrumented (zero skipped, no
# summary line), and the file counts are those of the copies really written: all of them on
# the first run into an empty directory, none (all unchanged) on a second run.
# TOOL, WORK (a scratch directory), ROOT (the programs), FILES (comma-separated names under
# ROOT), INCLUDES (comma-separated include directories).
file(REMOVE_RECURSE "${WORK}")
string(REPLACE "," ";" FILES "${FILES}")
string(REPLACE "," ";" INCLUDES "${INCLUDES}")
set(sources "")
foreach(f IN LISTS FILES)
  list(APPEND sources "${ROOT}/${f}")
endforeach()
list(LENGTH FILES count)
set(flags -std=c++20)
foreach(dir IN LISTS INCLUDES)
  list(APPEND flags "-I${dir}")
endforeach()
set(none_skipped "skipped 0 in macro expansions, 0 in system macros, 0 where template "
                 "instantiations disagree, 0 conflicting, 0 unsupported bit-fields, 0 atomic "
                 "operations not modelled")
string(CONCAT none_skipped ${none_skipped})
foreach(run first second)
  execute_process(COMMAND "${TOOL}" --report-stats --root "${ROOT}" -o "${WORK}" ${sources}
                          -- ${flags}
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${run} run: weft-instrument failed (${rc}):\n${err}")
  endif()
  string(FIND "${err}" "${none_skipped}" at)
  if(at EQUAL -1 OR err MATCHES "not instrumented")
    message(FATAL_ERROR "${run} run: expected nothing skipped, got:\n${err}")
  endif()
  if(run STREQUAL "first")
    set(expect "files: ${count} written, 0 unchanged")
  else()
    set(expect "files: 0 written, ${count} unchanged")
  endif()
  string(FIND "${err}" "${expect}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "${run} run: expected '${expect}', got:\n${err}")
  endif()
endforeach()
foreach(f IN LISTS FILES)
  if(NOT EXISTS "${WORK}/${f}")
    message(FATAL_ERROR "no copy of ${f} written")
  endif()
endforeach()
