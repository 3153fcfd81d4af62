// Building canonical JSON text by hand (contract/canonical.hpp): objects are lists
// of (key, JSON text) members sorted by key, numbers in their shortest exact form,
// so no JSON library decides how a number looks. Used by the contract's writer and
// by each engine for its own fields (engines/engine.hpp: canonical_fields).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pixelpact::detail {

// The members of one object: (key, JSON text of the value).
using CanonicalMembers = std::vector<std::pair<std::string, std::string>>;

// {"key":value,...} with the keys sorted, no whitespace.
std::string canonical_object(CanonicalMembers members);
std::string canonical_array(const std::vector<std::string>& items);
// A quoted name (contract names need no escapes).
std::string canonical_quoted(std::string_view s);
std::string canonical_integer(long long v);
std::string canonical_boolean(bool v);
// A double in the shortest text that reads back as the same double; -0.0 kept.
std::string canonical_number(double v);
// A value an arithmetic step rounds to float32 first: the shortest text whose
// double rounds to that float32 (checked, as decimal -> double -> float rounds
// twice; the float's exact double is the fallback); a float32 overflow is 1e39.
std::string canonical_number32(double value);

}  // namespace pixelpact::detail
