# Consumer test: install the latentlab build tree, then configure, build and run the
# project in this folder against the install, as a user of the package would.
#
#   cmake -DBUILD_DIR=<latentlab build> -DCONSUMER_SOURCE_DIR=<this folder>
#         -DPREFIX=<install prefix> -DCONSUMER_BUILD_DIR=<dir> -DGENERATOR=<generator>
#         -DCXX=<compiler> [-DCONFIG=<config>] -P run_consumer_test.cmake
#
# PREFIX and CONSUMER_BUILD_DIR are wiped first, so each run starts clean.
cmake_minimum_required(VERSION 3.25)

foreach(_required BUILD_DIR CONSUMER_SOURCE_DIR PREFIX CONSUMER_BUILD_DIR GENERATOR CXX)
  if(NOT DEFINED ${_required} OR "${${_required}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer_test.cmake: pass -D${_required}=...")
  endif()
endforeach()
if(NOT CONFIG)
  set(CONFIG Release)
endif()

function(_step name)
  message(STATUS "consumer test: ${name}")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE _result)
  if(NOT _result EQUAL 0)
    message(FATAL_ERROR "consumer test: '${name}' failed (${_result})")
  endif()
endfunction()

file(REMOVE_RECURSE "${PREFIX}" "${CONSUMER_BUILD_DIR}")

_step("install to ${PREFIX}"
  "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${PREFIX}" --config "${CONFIG}")
_step("configure ${CONSUMER_SOURCE_DIR}"
  "${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${CONSUMER_BUILD_DIR}"
  -G "${GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${CXX}"
  "-DCMAKE_BUILD_TYPE=${CONFIG}"
  "-DCMAKE_PREFIX_PATH=${PREFIX}")
_step("build" "${CMAKE_COMMAND}" --build "${CONSUMER_BUILD_DIR}" --config "${CONFIG}")

# Single-config generators put the program in the build folder, multi-config ones in
# a folder per configuration.
set(_program "${CONSUMER_BUILD_DIR}/consumer${CMAKE_EXECUTABLE_SUFFIX}")
if(NOT EXISTS "${_program}")
  set(_program "${CONSUMER_BUILD_DIR}/${CONFIG}/consumer${CMAKE_EXECUTABLE_SUFFIX}")
endif()
_step("run ${_program}" "${_program}")
