// Runs every shared test vector in a folder (<name>.json, <name>_input.npy,
// <name>_expected.npy; expected tensors come from the real reference libraries,
// see tests/contracts/generate_vectors.py and tests/conformance/generate.py) and
// compares shape, dtype and bytes. A contract with neither .npy file is an example
// contract without a vector and is skipped. Built in-tree (ctest) and against the
// installed package (tests/cmake_consumer).
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "npy.hpp"
#include "pixelpact/pixelpact.hpp"

namespace fs = std::filesystem;

namespace {

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
    if (!fs::exists(dir / (name + "_input.npy")) && !fs::exists(dir / (name + "_expected.npy"))) {
      std::printf("skip %s (a contract without a vector)\n", name.c_str());
      continue;
    }
    ++cases;
    std::ifstream f(entry.path());
    std::string json((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    npy::Npy input, expected;
    std::string error;
    if (!npy::read_npy(dir / (name + "_input.npy"), input, error) ||
        !npy::read_npy(dir / (name + "_expected.npy"), expected, error)) {
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
