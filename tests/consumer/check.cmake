# check.cmake — what a user outside this repository does: install weft from BUILD_DIR into a
# fresh prefix, configure and build tests/consumer/project against it (find_package(weft),
# weft_instrument(), a C++23 target), run it and expect the race it contains to be found.
# -DBUILD_DIR=<weft build tree> -DWORK=<scratch dir> -DPROJECT=<consumer source dir>
set(INSTALLED bin/weft-instrument lib/cmake/weft/WeftInstrument.cmake lib/cmake/weft/weftConfig.cmake)
include("${CMAKE_CURRENT_LIST_DIR}/install_and_build.cmake")
# The tool parsed the target as C++23 (Clang 16 spells it c++2b or gnu++2b).
file(GLOB_RECURSE copies "${WORK}/build/weft-instrumented/consumer_race/*.cpp")
if(NOT copies)
  message(FATAL_ERROR "no instrumented copy of race.cpp was generated")
endif()
execute_process(COMMAND "${WORK}/build/consumer_race" RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "outcome: data race" OR NOT out MATCHES "race.cpp:")
  message(FATAL_ERROR "expected the consumer's data race at race.cpp, got exit ${rc}:\n${out}\n${err}")
endif()
message(STATUS "consumer found its race:\n${out}")
