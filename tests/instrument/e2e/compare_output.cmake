# compare_output.cmake — run PLAIN and INSTRUMENTED with ARGS; exit codes and stdout must
# be identical (and stdout not empty).
execute_process(COMMAND "${PLAIN}" ${ARGS} RESULT_VARIABLE rc1 OUTPUT_VARIABLE out1)
execute_process(COMMAND "${INSTRUMENTED}" ${ARGS} RESULT_VARIABLE rc2 OUTPUT_VARIABLE out2)
if(NOT rc1 STREQUAL rc2 OR NOT out1 STREQUAL out2 OR out1 STREQUAL "")
  message(FATAL_ERROR "outputs differ\n--- plain (exit ${rc1}):\n${out1}\n"
                      "--- instrumented (exit ${rc2}):\n${out2}")
endif()
string(LENGTH "${out1}" n)
message("identical output (${n} bytes, exit ${rc1})")
