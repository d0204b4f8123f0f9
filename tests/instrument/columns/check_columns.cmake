# check_columns.cmake — run PLAIN and INSTRUMENTED with --report: the deadlock report of
# each must name the same `relock.cpp:<line>:<column>` locations (the directory part may
# differ: compilers and caches spell the plain source's path in different ways).
foreach(build PLAIN INSTRUMENTED)
  execute_process(COMMAND "${${build}}" --report RESULT_VARIABLE rc OUTPUT_VARIABLE out)
  string(REGEX MATCHALL "relock\\.cpp:[0-9]+:[0-9]+" locs_${build} "${out}")
  if(NOT rc EQUAL 1 OR NOT out MATCHES "outcome: deadlock" OR NOT locs_${build})
    message(FATAL_ERROR "${build}: expected a deadlock report with locations, got exit ${rc}:\n${out}")
  endif()
  set(out_${build} "${out}")
endforeach()
if(NOT locs_PLAIN STREQUAL locs_INSTRUMENTED)
  message(FATAL_ERROR "locations differ: plain ${locs_PLAIN}, instrumented ${locs_INSTRUMENTED}\n"
                      "--- plain:\n${out_PLAIN}\n--- instrumented:\n${out_INSTRUMENTED}")
endif()
message("same locations in both builds: ${locs_PLAIN}")
