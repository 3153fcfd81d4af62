// A program built against the installed pixelpact package (find_package). It
// loads a contract file, runs it on a stored input and checks the tensor
// against the stored expected tensor (produced by torchvision, see
// tests/contracts/generate_vectors.py); then checks what only an installed package can
// get wrong: version, errors thrown across the library boundary, the C header
// included from C++, and the installed JSON Schema.
//
//   consumer CONTRACT.json INPUT.npy EXPECTED.npy
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <pixelpact/pixelpact.h>    // the C API, from C++
#include <pixelpact/pixelpact.hpp>  // the C++ API

#include "npy.hpp"

static int failures = 0;

static void check(bool ok, const char* what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what);
  failures += ok ? 0 : 1;
}

static std::string read_text(const char* path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s CONTRACT.json INPUT.npy EXPECTED.npy\n", argv[0]);
    return 2;
  }
  npy::Npy input, expected;
  std::string error;
  if (!npy::read_npy(argv[2], input, error) || !npy::read_npy(argv[3], expected, error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 2;
  }
  const int h = static_cast<int>(input.shape.at(0)), w = static_cast<int>(input.shape.at(1));
  const auto* pixels = reinterpret_cast<const std::uint8_t*>(input.data.data());

  // The C++ API: contract file -> tensor, equal to the stored vector.
  const auto pipe = pixelpact::Pipeline::from_json(read_text(argv[1]));
  std::vector<float> tensor(static_cast<std::size_t>(pipe.output_shape(h, w).elements()));
  pipe.run(pixelpact::ImageView::packed(pixels, h, w, 3), tensor.data(), tensor.size() * sizeof(float));
  const pixelpact::Shape shape = pipe.output_shape(h, w);
  check(std::vector<long long>(shape.dims, shape.dims + shape.ndim) == expected.shape &&
            expected.descr == "<f4" && tensor.size() * sizeof(float) == expected.data.size() &&
            std::memcmp(tensor.data(), expected.data.data(), expected.data.size()) == 0,
        "C++ API: contract file -> tensor equal to the stored vector");

  // The C API on the same vector: the same bytes.
  pp_pipeline* p = nullptr;
  std::vector<float> c_tensor(tensor.size());
  check(pp_pipeline_create_from_file(argv[1], &p) == PP_OK &&
            pp_pipeline_run(p, pixels, h, w, 3, 0, c_tensor.data(), c_tensor.size() * sizeof(float)) == PP_OK &&
            c_tensor == tensor,
        "C API: the same bytes");
  pp_pipeline_destroy(p);

  // Versions agree: package, C++ and C.
  check(pixelpact::version() == PIXELPACT_PACKAGE_VERSION && std::string(pp_version()) == PIXELPACT_PACKAGE_VERSION,
        "version: package, C++ and C agree");

  // A pixelpact::Error thrown inside the library is caught here by type (its
  // type information is exported), with its code and JSON path.
  bool caught = false;
  try {
    pixelpact::Pipeline::from_json(R"({"pixelpact": 1, "input": {"color": "RGB"}, "steps": [
        {"op": "center_crop", "size": [0, 3]}], "output": {"layout": "CHW", "dtype": "uint8", "color": "RGB"}})");
  } catch (const pixelpact::Error& e) {
    caught = e.code() == pixelpact::ErrorCode::InvalidContract && e.path() == "/steps/0/size/0";
  }
  check(caught, "pixelpact::Error caught across the library boundary, with code and path");
  caught = false;
  try {
    pipe.run(pixelpact::ImageView::packed(pixels, h, w, 3), tensor.data(), 16);
  } catch (const pixelpact::Error& e) {
    caught = e.code() == pixelpact::ErrorCode::BufferTooSmall;
  }
  check(caught, "BufferTooSmall caught across the library boundary");

  // The installed schema is where the package says.
  check(read_text(PIXELPACT_SCHEMA_FILE).find("\"$schema\"") != std::string::npos, "installed JSON Schema");

  std::printf("%d failed\n", failures);
  return failures == 0 ? 0 : 1;
}
