# install_and_build.cmake — the steps check.cmake and check_gtest.cmake share: install weft
# from BUILD_DIR into ${WORK}/prefix, check that each path in INSTALLED exists there, then
# configure and build the consumer project PROJECT in ${WORK}/build against that prefix.
file(REMOVE_RECURSE "${WORK}")
set(prefix "${WORK}/prefix")
macro(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (exit ${rc}):\n${out}\n${err}")
  endif()
endmacro()
step("cmake --install" ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}")
foreach(f ${INSTALLED})
  if(NOT EXISTS "${prefix}/${f}")
    message(FATAL_ERROR "the install has no ${f}")
  endif()
endforeach()
step("configuring the consumer" ${CMAKE_COMMAND} -S "${PROJECT}" -B "${WORK}/build"
     -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
step("building the consumer" ${CMAKE_COMMAND} --build "${WORK}/build" -j2)
