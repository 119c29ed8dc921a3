#pragma once
// latentlab::Error: the one exception type the library throws for bad input at run time
// (files, array shapes, batch sizes, NaN/Inf). Messages say what was expected and what was
// found, so a researcher can fix the call without reading the library's source.
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace latentlab {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Builds the message from any streamable pieces: fail("expected ", a, ", found ", b).
template <class... Parts>
[[noreturn]] void fail(Parts&&... parts) {
    std::ostringstream message;
    (message << ... << std::forward<Parts>(parts));
    throw Error(message.str());
}

// Checks a run-time requirement; the message parts are only formatted when it fails (but
// they are evaluated as arguments: inside forward/backward pass only literals and numbers,
// never a std::string built on the spot, or the check allocates).
template <class... Parts>
void require(bool condition, Parts&&... parts) {
    if (!condition) fail(std::forward<Parts>(parts)...);
}

}  // namespace latentlab
