#pragma once
// A tiny HTTP client for tests that serve a page from a container or a guest.

#include <chrono>
#include <string>

namespace strata::test {

// GET / from ip:port, retried until `timeout` (the server may still be starting): the body, or "".
std::string http_get(const std::string& ip, int port, std::chrono::seconds timeout);

}  // namespace strata::test
