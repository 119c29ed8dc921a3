# Fails when a Catch2 test name holds '[', ']' or ';': catch_discover_tests passes the names
# through CMake lists, where an unbalanced bracket glues every following name into one
# ctest entry that then runs no test at all (this happened: 50 tests silently skipped).
# (Catch2's --list-test-names-only exits with the number of tests, not 0.)
execute_process(COMMAND "${TESTS}" --list-test-names-only OUTPUT_VARIABLE names RESULT_VARIABLE result)
if(NOT result MATCHES "^[0-9]+$" OR names STREQUAL "")
  message(FATAL_ERROR "${TESTS} --list-test-names-only failed (${result})")
endif()
string(REGEX MATCHALL "[^\n]*[][;][^\n]*" bad "${names}")
if(bad)
  message(FATAL_ERROR "test names must not contain '[', ']' or ';' (rename them): ${bad}")
endif()
