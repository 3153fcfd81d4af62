#include "json/node.hpp"

#include <cmath>

namespace pixelpact::detail {

void fail(const std::string& path, const std::string& message) {
  throw Error(ErrorCode::InvalidContract, path, message);
}

const Node& Node::require_object(std::initializer_list<const char*> required,
                                 std::initializer_list<const char*> allowed) const {
  if (!value_.is_object()) fail(path_, "expected an object, got " + describe());
  for (auto it = value_.begin(); it != value_.end(); ++it) {
    bool known = false;
    for (const char* name : allowed) known = known || it.key() == name;
    if (!known) {
      fail(path_ + "/" + pointer_token(it.key()), "unknown property '" + bounded_utf8(it.key(), 60) + "'");
    }
  }
  for (const char* name : required) {
    if (!value_.contains(name)) fail(path_, std::string("missing required property '") + name + "'");
  }
  return *this;
}

std::string Node::as_string() const {
  if (!value_.is_string()) fail(path_, "expected a string, got " + describe());
  return value_.get<std::string>();
}

bool Node::is_integer() const {
  if (value_.is_number_integer()) return true;
  if (!value_.is_number_float()) return false;
  double v = value_.get<double>();
  return std::isfinite(v) && std::floor(v) == v;
}

int Node::as_dimension() const {
  if (!is_integer()) fail(path_, "expected an integer, got " + describe());
  double v = value_.get<double>();
  if (v < 1) fail(path_, describe() + " is less than the minimum of 1");
  if (v > kMaxDimension) fail(path_, describe() + " is greater than the maximum of 1048576");
  return static_cast<int>(v);
}

double Node::as_number() const {
  if (!value_.is_number()) fail(path_, "expected a number, got " + describe());
  return value_.get<double>();
}

bool Node::as_bool() const {
  if (!value_.is_boolean()) fail(path_, "expected a boolean, got " + describe());
  return value_.get<bool>();
}

std::pair<int, int> height_width(const Node& node) {
  if (node.is_integer()) {
    int s = node.as_dimension();
    return {s, s};
  }
  if (!node.value().is_array()) {
    fail(node.path(), "expected an integer or [height, width], got " + node.describe());
  }
  if (node.value().size() != 2) {
    fail(node.path(), "expected [height, width] (2 integers), got " + std::to_string(node.value().size()) +
                          " items");
  }
  return {node.at(std::size_t{0}).as_dimension(), node.at(std::size_t{1}).as_dimension()};
}

}  // namespace pixelpact::detail
