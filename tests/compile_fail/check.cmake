# Compile-fail check: compiles one source with -fsyntax-only and checks the outcome.
#
#   cmake -DCXX=<compiler> -DSOURCE=<file.cpp> [-DFLAGS=a|b] [-DINCLUDE_DIRS=a|b]
#         [-DDEFINITIONS=a|b] [-DIMPLICIT_INCLUDE_DIRS=a|b] [-DEXPECT_SUCCESS=ON]
#         -P check.cmake
#
# Lists are separated by '|'. By default the compiler must reject SOURCE, and every
# line of SOURCE of the form
#     // expect: <text>
# must have <text> appear literally in the compiler's stderr (at least one such line
# is required, so a case cannot pass on an unrelated error). The compiler runs with
# LC_ALL=C, so GCC quotes names with plain ASCII quotes ('...').
# With EXPECT_SUCCESS=ON the source must compile instead (checks the harness itself).
cmake_minimum_required(VERSION 3.25)

foreach(_required CXX SOURCE)
  if(NOT DEFINED ${_required} OR "${${_required}}" STREQUAL "")
    message(FATAL_ERROR "check.cmake: pass -D${_required}=...")
  endif()
endforeach()
if(NOT EXISTS "${SOURCE}")
  message(FATAL_ERROR "check.cmake: no such source: ${SOURCE}")
endif()

function(_split_bars out text)
  string(REPLACE "|" ";" _list "${text}")
  set(${out} "${_list}" PARENT_SCOPE)
endfunction()

_split_bars(_flags "${FLAGS}")
_split_bars(_includes "${INCLUDE_DIRS}")
_split_bars(_definitions "${DEFINITIONS}")
_split_bars(_implicit "${IMPLICIT_INCLUDE_DIRS}")

set(_args ${_flags})
foreach(_dir IN LISTS _includes)
  # The compiler's own include dirs (e.g. /usr/include, where xtensor lives) stay
  # implicit: naming them with -I reorders the system headers' include_next chain.
  if(NOT _dir STREQUAL "" AND NOT _dir IN_LIST _implicit)
    list(APPEND _args "-I${_dir}")
  endif()
endforeach()
foreach(_definition IN LISTS _definitions)
  if(NOT _definition STREQUAL "")
    list(APPEND _args "-D${_definition}")
  endif()
endforeach()

execute_process(
  COMMAND "${CMAKE_COMMAND}" -E env LC_ALL=C LANG=C
          "${CXX}" ${_args} -fsyntax-only "${SOURCE}"
  RESULT_VARIABLE _result
  OUTPUT_VARIABLE _stdout
  ERROR_VARIABLE _stderr)

# The first lines of the compiler's output, for failure messages.
function(_compiler_output_head out)
  set(_text "${_stdout}${_stderr}")
  set(_head "")
  set(_count 0)
  while(NOT _text STREQUAL "" AND _count LESS 40)
    string(FIND "${_text}" "\n" _newline)
    if(_newline EQUAL -1)
      string(APPEND _head "${_text}\n")
      set(_text "")
    else()
      math(EXPR _next "${_newline} + 1")
      string(SUBSTRING "${_text}" 0 ${_next} _line)
      string(SUBSTRING "${_text}" ${_next} -1 _text)
      string(APPEND _head "${_line}")
    endif()
    math(EXPR _count "${_count} + 1")
  endwhile()
  if(NOT _text STREQUAL "")
    string(APPEND _head "[... more output cut ...]\n")
  endif()
  set(${out} "${_head}" PARENT_SCOPE)
endfunction()

string(REPLACE ";" " " _command_line "${CXX} ${_args} -fsyntax-only ${SOURCE}")

# Fails with <summary>, after printing the command and the compiler's first lines as
# they are (message(FATAL_ERROR) would re-wrap them).
function(_fail summary)
  _compiler_output_head(_head)
  message(NOTICE "${_command_line}\n"
                 "--- first 40 lines of compiler output (exit ${_result}) ---\n"
                 "${_head}---")
  message(FATAL_ERROR "${summary}")
endfunction()

if(EXPECT_SUCCESS)
  if(NOT _result EQUAL 0)
    _fail("${SOURCE} should compile, but the compiler rejected it.")
  endif()
  message(STATUS "compiles as expected: ${SOURCE}")
  return()
endif()

if(_result EQUAL 0)
  _fail("${SOURCE} compiled, but it must be rejected.")
endif()

# Walk the source line by line by hand: CMake lists would split at ';' and treat
# '[' ']' specially, and expected texts may contain both.
file(READ "${SOURCE}" _content)
set(_expected_count 0)
set(_missing "")
while(NOT _content STREQUAL "")
  string(FIND "${_content}" "\n" _newline)
  if(_newline EQUAL -1)
    set(_line "${_content}")
    set(_content "")
  else()
    string(SUBSTRING "${_content}" 0 ${_newline} _line)
    math(EXPR _next "${_newline} + 1")
    string(SUBSTRING "${_content}" ${_next} -1 _content)
  endif()
  string(FIND "${_line}" "// expect:" _marker)
  if(_marker EQUAL -1)
    continue()
  endif()
  math(EXPR _start "${_marker} + 10")
  string(SUBSTRING "${_line}" ${_start} -1 _text)
  string(STRIP "${_text}" _text)   # also drops a trailing \r
  if(_text STREQUAL "")
    continue()
  endif()
  math(EXPR _expected_count "${_expected_count} + 1")
  string(FIND "${_stderr}" "${_text}" _found)
  if(_found EQUAL -1)
    string(APPEND _missing "  ${_text}\n")
  endif()
endwhile()

if(_expected_count EQUAL 0)
  _fail("${SOURCE} has no '// expect: <text>' line: say which diagnostic the compiler must give.")
endif()
if(NOT _missing STREQUAL "")
  message(NOTICE "The compiler's stderr lacks these expected texts:\n${_missing}")
  _fail("${SOURCE} was rejected, but not with the expected diagnostics (listed above).")
endif()
message(STATUS "rejected as expected (${_expected_count} expectations met): ${SOURCE}")
