// Harness 1: arbitrary bytes as contract text, through the C API.
//
// Holds for every input: pp_pipeline_create_with_limits returns PP_OK with a
// handle, or a contract/argument error with a non-empty message, a JSON Pointer
// (empty or starting with '/') and a NULL handle; never PP_ERROR_INTERNAL (an
// out-of-memory or a bug: the limits below keep every run far from memory
// exhaustion). An accepted contract's canonical form is accepted again with the
// same fingerprint; its queries answer or fail cleanly for a few input sizes,
// and it runs on a small noise image of each with the queried buffer size.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fuzz_bytes.hpp"
#include "pixelpact/pixelpact.h"

namespace {

using pixelpact::fuzz::fuzz_failure;

// Small enough that no accepted contract can make one run slow or large.
constexpr int64_t kMaxElements = int64_t{1} << 20;
constexpr int64_t kMaxIntermediate = int64_t{64} << 20;

void check_failure(pp_status s, const char* call) {
  if (s == PP_ERROR_INTERNAL) fuzz_failure(call, std::string("PP_ERROR_INTERNAL: ") + pp_last_error());
  if (s != PP_ERROR_INVALID_CONTRACT && s != PP_ERROR_INVALID_ARGUMENT) {
    fuzz_failure(call, std::string("unexpected status ") + pp_status_name(s) + ": " + pp_last_error());
  }
  if (pp_last_error()[0] == '\0') fuzz_failure(call, "an error status with an empty message");
  const char* path = pp_last_error_path();
  if (path[0] != '\0' && path[0] != '/') fuzz_failure(call, std::string("a path that is no JSON Pointer: ") + path);
}

void exercise(const pp_pipeline* p) {
  pp_dtype dtype;
  int channels = 0;
  if (pp_pipeline_output_dtype(p, &dtype) != PP_OK || pp_pipeline_input_channels(p, &channels) != PP_OK) {
    fuzz_failure("describe", pp_last_error());
  }
  const int sizes[][2] = {{1, 1}, {1, 7}, {13, 2}, {29, 31}};
  for (const auto& hw : sizes) {
    size_t bytes = 0;
    const pp_status s = pp_pipeline_output_bytes(p, hw[0], hw[1], &bytes);
    if (s != PP_OK) {
      check_failure(s, "pp_pipeline_output_bytes");
      continue;
    }
    pp_geometry g;
    if (pp_pipeline_geometry(p, hw[0], hw[1], &g) != PP_OK) fuzz_failure("geometry after a shape", pp_last_error());
    std::vector<uint8_t> image(static_cast<size_t>(hw[0]) * hw[1] * channels);
    pixelpact::fuzz::fill_noise(image.data(), image.size(), bytes);
    void* out = std::malloc(bytes);  // exactly the size: a write past it is an ASan report
    const pp_status r = pp_pipeline_run(p, image.data(), hw[0], hw[1], channels, 0, out, bytes);
    std::free(out);
    if (r != PP_OK) check_failure(r, "pp_pipeline_run");  // an intermediate beyond the limit
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pp_pipeline* p = reinterpret_cast<pp_pipeline*>(&p);
  const pp_status s = pp_pipeline_create_with_limits(reinterpret_cast<const char*>(data), size, kMaxElements,
                                                     kMaxIntermediate, &p);
  if (s != PP_OK) {
    check_failure(s, "pp_pipeline_create");
    if (s == PP_ERROR_INVALID_ARGUMENT) fuzz_failure("pp_pipeline_create", "text gave an argument error");
    if (p != nullptr) fuzz_failure("pp_pipeline_create", "a failure left a non-NULL handle");
    return 0;
  }
  if (p == nullptr) fuzz_failure("pp_pipeline_create", "PP_OK with a NULL handle");
  const std::string canonical = pp_pipeline_canonical_json(p);
  const std::string fingerprint = pp_pipeline_fingerprint(p);
  pp_pipeline* again = nullptr;
  if (pp_pipeline_create_with_limits(canonical.c_str(), canonical.size(), kMaxElements, kMaxIntermediate,
                                     &again) != PP_OK) {
    fuzz_failure("canonical form refused", canonical + "\n" + pp_last_error());
  }
  if (fingerprint != pp_pipeline_fingerprint(again) || canonical != pp_pipeline_canonical_json(again)) {
    fuzz_failure("canonical form is not a fixed point", canonical);
  }
  pp_pipeline_destroy(again);
  exercise(p);
  pp_pipeline_destroy(p);
  return 0;
}
