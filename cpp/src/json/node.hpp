// A JSON value together with its JSON Pointer, so that every contract error names
// its place. The contract parser and every engine's field parser read through it.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "json/json_reader.hpp"
#include "pixelpact/pixelpact.hpp"

namespace pixelpact::detail {

// Largest image side, in contracts and images (also the schema's "maximum").
constexpr double kMaxDimension = 1 << 20;

// Throws Error(InvalidContract, path, message).
[[noreturn]] void fail(const std::string& path, const std::string& message);

class Node {
 public:
  Node(const nlohmann::json& value, std::string path) : value_(value), path_(std::move(path)) {}

  const nlohmann::json& value() const { return value_; }
  const std::string& path() const { return path_; }

  // Fails unless this is an object with every `required` key and no key outside
  // `allowed` (naming the first unknown key, in sorted order, by its own path).
  const Node& require_object(std::initializer_list<const char*> required,
                             std::initializer_list<const char*> allowed) const;

  bool has(const char* key) const { return value_.contains(key); }
  Node at(const char* key) const { return Node(value_.at(key), path_ + "/" + key); }
  Node at(std::size_t index) const { return Node(value_.at(index), path_ + "/" + std::to_string(index)); }

  std::string as_string() const;
  // JSON Schema's "integer": a number with no fractional part (2 and 2.0 alike).
  bool is_integer() const;
  // An integer in 1 .. kMaxDimension.
  int as_dimension() const;
  double as_number() const;
  bool as_bool() const;

  // The value of the string that names one of `choices`; fails listing them all.
  template <typename Enum>
  Enum as_enum(std::initializer_list<std::pair<const char*, Enum>> choices) const {
    if (value_.is_string()) {
      const auto& s = value_.get_ref<const std::string&>();
      for (const auto& choice : choices) {
        if (s == choice.first) return choice.second;
      }
    }
    std::string names;
    for (const auto& choice : choices) {
      names += names.empty() ? "" : ", ";
      names += std::string("'") + choice.first + "'";
    }
    fail(path_, describe() + " is not one of " + names);
  }

  // The value for a message, cut short (json_reader.hpp: describe_json).
  std::string describe() const { return describe_json(value_); }

 private:
  const nlohmann::json& value_;
  std::string path_;
};

// An integer or [height, width], each a dimension.
std::pair<int, int> height_width(const Node& node);

}  // namespace pixelpact::detail
