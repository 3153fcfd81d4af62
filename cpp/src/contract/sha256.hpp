// SHA-256 (FIPS 180-4) of a byte string: the contract fingerprint's hash. A small
// self-contained implementation, so the core needs no crypto dependency; tested
// against the FIPS example vectors (cpp/tests/test_core.cpp) and Python's hashlib
// (tests/contract/test_fingerprint.py).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace pixelpact::detail {

std::array<std::uint8_t, 32> sha256(std::string_view data);

// The digest as 64 lower-case hexadecimal digits (hashlib's hexdigest()).
std::string sha256_hex(std::string_view data);

}  // namespace pixelpact::detail
