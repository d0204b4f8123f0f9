# compare_runs.cmake — run PLAIN and INSTRUMENTED; their exit codes and output must match.
execute_process(COMMAND "${PLAIN}" RESULT_VARIABLE rc1 OUTPUT_VARIABLE out1)
execute_process(COMMAND "${INSTRUMENTED}" RESULT_VARIABLE rc2 OUTPUT_VARIABLE out2)
if(NOT rc1 STREQUAL rc2 OR NOT out1 STREQUAL out2)
  message(FATAL_ERROR "plain: ${rc1} '${out1}'  instrumented: ${rc2} '${out2}'")
endif()
message("both printed: ${out1}")
