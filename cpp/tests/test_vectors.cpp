// Runs every shared test vector in a folder (<name>.json, <name>_input.npy,
// <name>_expected.npy; expected tensors come from the real reference library,
// see tests/vectors/generate.py) and compares bytes.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pixelpact/pixelpact.hpp"

namespace fs = std::filesystem;

namespace {

struct Npy {
  std::string descr;
  std::vector<long long> shape;
  std::vector<char> data;
};

// Reads a C-order .npy file (format versions 1-3).
bool read_npy(const fs::path& path, Npy& out, std::string& error) {
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

std::string descr_of(pixelpact::DType t) {
  switch (t) {
    case pixelpact::DType::UInt8: return "|u1";
    case pixelpact::DType::Float16: return "<f2";
    case pixelpact::DType::Float32: return "<f4";
    case pixelpact::DType::Float64: return "<f8";
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s VECTOR_DIR\n", argv[0]);
    return 2;
  }
  int cases = 0, failed = 0;
  for (const auto& entry : fs::directory_iterator(argv[1])) {
    if (entry.path().extension() != ".json") continue;
    const std::string name = entry.path().stem().string();
    const fs::path dir = entry.path().parent_path();
    ++cases;
    std::ifstream f(entry.path());
    std::string json((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    Npy input, expected;
    std::string error;
    if (!read_npy(dir / (name + "_input.npy"), input, error) ||
        !read_npy(dir / (name + "_expected.npy"), expected, error)) {
      std::printf("FAIL %s: %s\n", name.c_str(), error.c_str());
      ++failed;
      continue;
    }
    try {
      auto pipe = pixelpact::Pipeline::from_json(json);
      const int h = static_cast<int>(input.shape.at(0)), w = static_cast<int>(input.shape.at(1));
      const int c = input.shape.size() == 3 ? static_cast<int>(input.shape[2]) : 1;
      auto shape = pipe.output_shape(h, w);
      std::vector<long long> got_shape(shape.dims, shape.dims + shape.ndim);
      std::vector<char> out(pipe.output_bytes(h, w));
      pipe.run(pixelpact::ImageView::packed(reinterpret_cast<const std::uint8_t*>(input.data.data()), h, w, c),
               out.data(), out.size());
      const bool ok = got_shape == expected.shape && descr_of(pipe.output_dtype()) == expected.descr &&
                      out.size() == expected.data.size() &&
                      std::memcmp(out.data(), expected.data.data(), out.size()) == 0;
      std::printf("%s %s\n", ok ? "ok  " : "FAIL", name.c_str());
      failed += ok ? 0 : 1;
    } catch (const pixelpact::Error& e) {
      std::printf("FAIL %s: %s\n", name.c_str(), e.what());
      ++failed;
    }
  }
  std::printf("%d vectors, %d failed\n", cases, failed);
  return (failed == 0 && cases > 0) ? 0 : 1;
}
