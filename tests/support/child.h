#pragma once
// Running a piece of a test in a forked child: for what must not touch the test process itself
// (joining or creating a mount namespace, mounting), with the child's findings as the result.

#include <functional>
#include <string>

namespace strata::test {

// Forks, runs `body` in the child and returns the string it returned; "<the child died: ...>"
// if it did not return normally. The child ends with _exit, so no gtest state is shared.
std::string output_of_child(const std::function<std::string()>& body);

}  // namespace strata::test
