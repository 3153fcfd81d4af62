#include "json/canonical_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace pixelpact::detail {
namespace {

template <typename T>
std::string shortest(T v) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

}  // namespace

std::string canonical_object(CanonicalMembers members) {
  std::sort(members.begin(), members.end());
  std::string out = "{";
  for (std::size_t i = 0; i < members.size(); ++i) {
    out += (i ? ",\"" : "\"") + members[i].first + "\":" + members[i].second;
  }
  return out + "}";
}

std::string canonical_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]";
}

std::string canonical_quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }
std::string canonical_integer(long long v) { return std::to_string(v); }
std::string canonical_boolean(bool v) { return v ? "true" : "false"; }

std::string canonical_number(double v) {
  if (v == 0 && std::signbit(v)) return "-0.0";
  return shortest(v);
}

std::string canonical_number32(double value) {
  const float f = static_cast<float>(value);
  if (std::isinf(f)) return f > 0 ? "1e39" : "-1e39";
  if (f == 0 && std::signbit(f)) return "-0.0";
  std::string text = shortest(f);
  double parsed = 0;  // from_chars, not strtod: no locale may change the text
  std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (static_cast<float>(parsed) != f) text = shortest(static_cast<double>(f));
  return text;
}

}  // namespace pixelpact::detail
