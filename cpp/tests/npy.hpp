// Reads the .npy files of the shared test vectors (C order, format 1-3).
// Header-only; used by the C++ tests and the installed-package consumer.
#pragma once

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace npy {

struct Npy {
  std::string descr;
  std::vector<long long> shape;
  std::vector<char> data;
};

inline bool read_npy(const std::filesystem::path& path, Npy& out, std::string& error) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return error = "cannot open " + path.string(), false;
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0)
    return error = path.string() + " is not a .npy file", false;
  const int major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len, offset;
  if (major == 1) {
    header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    offset = 10;
  } else {
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + i])) << (8 * i);
    offset = 12;
  }
  std::string header(bytes.data() + offset, header_len);
  if (header.find("'fortran_order': False") == std::string::npos)
    return error = path.string() + ": only C order is supported", false;
  auto d = header.find("'descr': '");
  if (d == std::string::npos) return error = path.string() + ": no descr", false;
  out.descr = header.substr(d + 10, header.find('\'', d + 10) - (d + 10));
  auto s = header.find("'shape': (");
  auto e = header.find(')', s);
  std::stringstream dims(header.substr(s + 10, e - (s + 10)));
  std::string item;
  out.shape.clear();
  while (std::getline(dims, item, ',')) {
    if (item.find_first_not_of(' ') != std::string::npos) out.shape.push_back(std::stoll(item));
  }
  out.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(offset + header_len), bytes.end());
  return true;
}

}  // namespace npy
