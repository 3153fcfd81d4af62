// Harness 4: arbitrary bytes as an encoded image file (JPEG, PNG), through
// pp_pipeline_image_info and pp_pipeline_run_encoded.
//
// Holds for every input and every contract below (RGB, GRAY, RGBA composited
// onto a background, EXIF orientation; small limits, so that a header declaring
// a huge image is refused before anything is allocated):
//  * each call returns PP_OK, or PP_ERROR_INVALID_ARGUMENT / PP_ERROR_UNSUPPORTED
//    with a non-empty message; never PP_ERROR_INTERNAL, never a crash, a leak or
//    undefined behaviour (the fuzzer runs under ASan + UBSan);
//  * image_info and run_encoded agree: run_encoded succeeds only for a file whose
//    header image_info reads, and the orientation-swapped sizes match;
//  * differential, region vs whole decode: a contract that crops (center_crop,
//    and an explicit box partly outside small images) decodes only the pixels
//    the crop reads (JPEG: jpeg_skip_scanlines / jpeg_crop_scanline). Where both
//    succeed, its tensor must equal, byte for byte, the same crop run by
//    pp_pipeline_run on the whole decoded image (a contract without steps).
//    (Only where both succeed: a region decode may legitimately never reach
//    corrupt data below the region that the whole decode stops at.)
// Seeds: cpp/fuzz/corpus/encoded/seed-* (cpp/fuzz/write_image_seeds.py).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_bytes.hpp"
#include "pixelpact/pixelpact.h"

namespace {

using pixelpact::fuzz::fuzz_failure;

constexpr int64_t kMaxElements = int64_t{1} << 20;
constexpr int64_t kMaxIntermediate = int64_t{3} << 20;  // 1 Mpixel RGB: larger headers are refused

// One way of decoding: the whole image as the steps receive it (no steps,
// HWC uint8 RGB), and the crops that decode a region of it.
struct Kind {
  const char* name;
  const char* input;  // the contract's "input" object
};
constexpr Kind kKinds[] = {
    {"RGB", R"({"color": "RGB"})"},
    {"GRAY", R"({"color": "GRAY"})"},
    {"RGBA composite", R"({"color": "RGBA", "alpha": "composite", "background": [10, 200, 30]})"},
    {"RGB exif", R"({"color": "RGB", "decode": {"orientation": "exif"}})"},
    {"BGRA exif", R"({"color": "BGRA", "decode": {"orientation": "exif"}})"},
};
constexpr const char* kCrops[] = {
    R"({"op": "center_crop", "size": [7, 11]})",
    R"({"op": "crop", "top": 17, "left": 21, "height": 9, "width": 10})",
};
constexpr const char* kOutput = R"({"layout": "HWC", "dtype": "uint8", "color": "RGB"})";

pp_pipeline* create(const std::string& input, const std::string& steps) {
  const std::string text = R"({"pixelpact": 1, "input": )" + input + R"(, "steps": [)" + steps +
                           R"(], "output": )" + kOutput + "}";
  pp_pipeline* p = nullptr;
  if (pp_pipeline_create_with_limits(text.c_str(), text.size(), kMaxElements, kMaxIntermediate, &p) != PP_OK) {
    fuzz_failure("the harness's own contract is refused", text + "\n" + pp_last_error());
  }
  return p;
}

struct Pipelines {
  pp_pipeline* whole[std::size(kKinds)];
  pp_pipeline* region[std::size(kKinds)][std::size(kCrops)];
  pp_pipeline* rgb_crop[std::size(kCrops)];  // the crop alone, run on the whole decode
  Pipelines() {
    for (std::size_t k = 0; k < std::size(kKinds); ++k) {
      whole[k] = create(kKinds[k].input, "");
      for (std::size_t c = 0; c < std::size(kCrops); ++c) region[k][c] = create(kKinds[k].input, kCrops[c]);
    }
    for (std::size_t c = 0; c < std::size(kCrops); ++c) rgb_crop[c] = create(R"({"color": "RGB"})", kCrops[c]);
  }
};

// A failed call: an expected status with a message.
void check_failure(pp_status s, const std::string& call) {
  if (s == PP_ERROR_INVALID_ARGUMENT || s == PP_ERROR_UNSUPPORTED) {
    if (pp_last_error()[0] == '\0') fuzz_failure(call.c_str(), "an error status with an empty message");
    return;
  }
  fuzz_failure(call.c_str(), std::string("unexpected status ") + pp_status_name(s) + ": " + pp_last_error());
}

// run_encoded with a buffer of exactly the size: a write past it is an ASan report.
// Returns false (after checking the failure) when the call fails.
bool run_encoded(const pp_pipeline* p, const uint8_t* data, size_t size, const pp_image_info& info,
                 std::vector<uint8_t>& out, const std::string& what) {
  size_t bytes = 0;
  const pp_status q = pp_pipeline_output_bytes(p, info.height, info.width, &bytes);
  if (q != PP_OK) {  // a tensor over the element limit
    check_failure(q, what + ": pp_pipeline_output_bytes");
    return false;
  }
  out.assign(bytes, 0);
  const pp_status s = pp_pipeline_run_encoded(p, data, size, out.data(), out.size());
  if (s != PP_OK) {
    check_failure(s, what + ": pp_pipeline_run_encoded");
    return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Pipelines pipes;
  for (std::size_t k = 0; k < std::size(kKinds); ++k) {
    const std::string name = kKinds[k].name;
    pp_image_info info;
    std::memset(&info, 0, sizeof info);
    const pp_status s = pp_pipeline_image_info(pipes.whole[k], data, size, &info);
    if (s != PP_OK) {
      check_failure(s, name + ": pp_pipeline_image_info");
      std::vector<uint8_t> out(64);
      const pp_status r = pp_pipeline_run_encoded(pipes.whole[k], data, size, out.data(), out.size());
      if (r == PP_OK) fuzz_failure("run_encoded accepted a file whose header image_info refused", name);
      check_failure(r, name + ": pp_pipeline_run_encoded after image_info failed");
      continue;
    }
    const bool swap = info.orientation >= 5;
    if (info.height < 1 || info.width < 1 || info.orientation < 1 || info.orientation > 8 ||
        info.height != (swap ? info.stored_width : info.stored_height) ||
        info.width != (swap ? info.stored_height : info.stored_width) ||
        (std::strcmp(info.format, "jpeg") != 0 && std::strcmp(info.format, "png") != 0)) {
      fuzz_failure("inconsistent pp_image_info", name);
    }
    std::vector<uint8_t> whole;
    const bool whole_ok = run_encoded(pipes.whole[k], data, size, info, whole, name + " whole");
    for (std::size_t c = 0; c < std::size(kCrops); ++c) {
      std::vector<uint8_t> region;
      if (!run_encoded(pipes.region[k][c], data, size, info, region, name + " region") || !whole_ok) continue;
      std::vector<uint8_t> expected(region.size() + 1, 0xA5);
      const pp_status r = pp_pipeline_run(pipes.rgb_crop[c], whole.data(), info.height, info.width, 3, 0,
                                          expected.data(), region.size());
      if (r != PP_OK) fuzz_failure("the crop refused the whole decode", name + ": " + pp_last_error());
      if (std::memcmp(expected.data(), region.data(), region.size()) != 0) {
        fuzz_failure("region decode differs from the whole decode", name + ", crop " + kCrops[c]);
      }
    }
  }
  return 0;
}
