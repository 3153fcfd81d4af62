// The registry: every resize engine this build knows, in the order contracts and
// messages list them. engines/registry.cpp is the one list.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engines/engine.hpp"

namespace pixelpact::detail {

// Every engine, in registry order.
const std::vector<const ResizeEngine*>& engines();

// The engine named `name`, or nullptr.
const ResizeEngine* find_engine(std::string_view name);

// The names of the engines that pass `test`, quoted and joined for a message:
// "engine 'pillow'" or "engines 'pillow' and 'opencv'" ("" if none).
template <typename Test>
std::string engines_that(Test test) {
  std::vector<std::string_view> names;
  for (const ResizeEngine* e : engines())
    if (test(*e)) names.push_back(e->name());
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += i == 0 ? "" : i + 1 == names.size() ? " and " : ", ";
    out += "'" + std::string(names[i]) + "'";
  }
  if (names.empty()) return out;
  return (names.size() == 1 ? "engine " : "engines ") + out;
}

}  // namespace pixelpact::detail
