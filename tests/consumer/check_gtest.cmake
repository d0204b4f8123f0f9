# check_gtest.cmake — what a user outside this repository does to test with weft in
# GoogleTest: install weft from BUILD_DIR into a fresh prefix, configure and build
# tests/consumer/gtest_project against it (find_package(weft), weft::weft, weft::gtest_main),
# and run its tests.
# -DBUILD_DIR=<weft build tree> -DWORK=<scratch dir> -DPROJECT=<consumer source dir>
set(INSTALLED include/weft/weft.hpp include/weft/gtest.hpp lib/libweft.a lib/libweft_gtest.a
              lib/libweft_gtest_main.a lib/cmake/weft/weftConfig.cmake
              lib/cmake/weft/weftGtestTargets.cmake)
include("${CMAKE_CURRENT_LIST_DIR}/install_and_build.cmake")
execute_process(COMMAND "${WORK}/build/consumer_gtest" RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "\\[  PASSED  \\] 2 tests")
  message(FATAL_ERROR "expected the consumer's 2 tests to pass, got exit ${rc}:\n${out}\n${err}")
endif()
message(STATUS "the consumer's tests ran against the installed weft:\n${out}")
