// Reading contract JSON text safely: a document from the internet or a model
// artifact must not be able to crash, exhaust the stack or make an error message
// cost more than the document itself.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "pixelpact/pixelpact.hpp"

namespace pixelpact::detail {

// Arrays and objects may nest at most this deep (the document root is level 1; a
// contract needs 4). Deeper documents are refused while parsing, before anything
// is built, so the parser, the value's destructor and every later walk over it
// stay within a small, fixed stack.
constexpr int kMaxJsonNesting = kMaxContractNesting;

// Parses `text`. Every failure (syntax, invalid UTF-8, a number out of range,
// nesting deeper than kMaxJsonNesting) throws Error(InvalidContract) whose path is
// the JSON Pointer of the value being read when it happened.
nlohmann::json read_json(std::string_view text);

// A short description of a value for an error message: its JSON text cut to about
// `limit` characters, produced without serialising more than that (a string of
// 100 MB or an array of 10^7 elements costs O(limit)). Always valid UTF-8.
std::string describe_json(const nlohmann::json& value, std::size_t limit = 60);

// A key as one JSON Pointer (RFC 6901) reference token: '~' -> "~0", '/' -> "~1".
std::string pointer_token(const std::string& key);

// `text` cut to at most `limit` bytes without splitting a UTF-8 sequence, with
// bytes that are not valid UTF-8 replaced by '?', and "..." appended when cut.
std::string bounded_utf8(std::string_view text, std::size_t limit);

}  // namespace pixelpact::detail
