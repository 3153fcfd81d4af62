#include "json/json_reader.hpp"

#include <utility>
#include <vector>

#include "pixelpact/pixelpact.hpp"

namespace pixelpact::detail {
namespace {

using json = nlohmann::json;

// Length of the valid UTF-8 sequence starting at s[i], or 0 if it is not one.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b = byte(i);
  if (b < 0x80) return 1;
  std::size_t n;
  unsigned int min;
  if ((b & 0xE0) == 0xC0) n = 2, min = 0x80;
  else if ((b & 0xF0) == 0xE0) n = 3, min = 0x800;
  else if ((b & 0xF8) == 0xF0) n = 4, min = 0x10000;
  else return 0;
  if (i + n > s.size()) return 0;
  unsigned int code = b & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return n;
}

// Builds the document from the parser's events (nlohmann's SAX interface), keeping
// the JSON Pointer of the value being read and refusing nesting beyond the limit.
// The parser itself is iterative, so nothing here recurses per level.
class DocumentBuilder {
 public:
  json take() { return std::move(root_); }

  bool null() { return add(json(nullptr)); }
  bool boolean(bool v) { return add(json(v)); }
  bool number_integer(json::number_integer_t v) { return add(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return add(json(v)); }
  bool number_float(json::number_float_t v, const json::string_t&) { return add(json(v)); }
  bool string(json::string_t& v) { return add(json(std::move(v))); }
  bool binary(json::binary_t& v) { return add(json::binary(std::move(v))); }
  bool start_object(std::size_t) { return open(json::object()); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& k) {
    open_.back().key = std::move(k);
    open_.back().has_key = true;
    return true;
  }

  template <typename Exception>
  bool parse_error(std::size_t, const std::string& last_token, const Exception& ex) {
    std::string message;
    if (ex.id == 406) {
      message = "number out of range (not a finite double): " + bounded_utf8(last_token, 40);
    } else {
      message = "not valid JSON: " + bounded_utf8(ex.what(), 200);
    }
    throw Error(ErrorCode::InvalidContract, pointer(), message);
  }

 private:
  struct Open {
    json* value;
    std::string key;  // objects: the key of the member being read
    bool has_key = false;
  };

  // JSON Pointer of the value the parser is reading now.
  std::string pointer() const {
    std::string out;
    for (std::size_t i = 0; i < open_.size(); ++i) {
      const Open& o = open_[i];
      // An array's element being read is the next one, or its last if that is open.
      const bool inside_child = i + 1 < open_.size();
      if (o.value->is_array()) out += "/" + std::to_string(o.value->size() - (inside_child ? 1 : 0));
      else if (o.has_key) out += "/" + pointer_token(o.key);
    }
    return out;
  }

  // Places a value in the container being read (or as the root). A scalar
  // completes its member; a container's member completes when it closes.
  json* add(json&& v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Open& parent = open_.back();
    const bool scalar = !v.is_structured();
    if (parent.value->is_array()) {
      parent.value->push_back(std::move(v));
      return &parent.value->back();
    }
    json& slot = (*parent.value)[parent.key];
    slot = std::move(v);  // a repeated key: the last value wins, as in Python's json
    if (scalar) parent.has_key = false;
    return &slot;
  }

  bool open(json&& container) {
    if (open_.size() >= static_cast<std::size_t>(kMaxJsonNesting)) {
      throw Error(ErrorCode::InvalidContract, pointer(),
                  "arrays and objects nest deeper than " + std::to_string(kMaxJsonNesting) +
                      " levels (the limit of this library)");
    }
    // Once added, a container is not moved: its parent only grows after it closes.
    open_.push_back(Open{add(std::move(container)), {}, false});
    return true;
  }

  bool close() {
    open_.pop_back();
    if (!open_.empty()) open_.back().has_key = false;
    return true;
  }

  json root_;
  std::vector<Open> open_;
};

void describe_into(const json& value, std::string& out, std::size_t limit) {
  if (out.size() > limit) return;
  switch (value.type()) {
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = value.begin(); it != value.end() && out.size() <= limit; ++it) {
        if (!first) out += ',';
        first = false;
        out += json(bounded_utf8(it.key(), limit)).dump();
        out += ':';
        describe_into(it.value(), out, limit);
      }
      out += '}';
      break;
    }
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (auto it = value.begin(); it != value.end() && out.size() <= limit; ++it) {
        if (!first) out += ',';
        first = false;
        describe_into(*it, out, limit);
      }
      out += ']';
      break;
    }
    case json::value_t::string:
      out += json(bounded_utf8(value.get_ref<const std::string&>(), limit)).dump();
      break;
    case json::value_t::binary:
      out += "<binary>";
      break;
    default:
      out += value.dump();  // a number, a boolean or null: short
  }
}

}  // namespace

std::string pointer_token(const std::string& key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string bounded_utf8(std::string_view text, std::size_t limit) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t n = utf8_sequence_length(text, i);
    if (out.size() + (n == 0 ? 1 : n) > limit) break;
    if (n == 0) {
      out += '?';
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  if (i < text.size()) out += "...";
  return out;
}

json read_json(std::string_view text) {
  DocumentBuilder builder;
  try {
    json::sax_parse(text.begin(), text.end(), &builder);
  } catch (const Error&) {
    throw;
  } catch (const json::exception& e) {  // the parser reports through parse_error(); this is a safety net
    throw Error(ErrorCode::InvalidContract, "", "not valid JSON: " + bounded_utf8(e.what(), 200));
  }
  return builder.take();
}

std::string describe_json(const json& value, std::size_t limit) {
  if (value.is_string()) return "'" + bounded_utf8(value.get_ref<const std::string&>(), limit) + "'";
  std::string out;
  describe_into(value, out, limit);
  if (out.size() > limit) out = bounded_utf8(out, limit > 3 ? limit - 3 : 0);
  return out;
}

}  // namespace pixelpact::detail
