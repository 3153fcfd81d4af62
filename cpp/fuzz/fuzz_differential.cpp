// Harness 3, differential: schema-valid contracts generated from the bytes
// (contract_generator.hpp), compiled for every instruction set this build and
// CPU run, on a noise or extreme-valued image of fuzzed size and storage.
//
// Holds for every input: each ISA accepts or refuses the contract alike (same
// error code and message), and on the image gives the scalar reference's
// result: the same error, or the same tensor byte for byte. Any difference is a
// bug in a SIMD kernel (or in a plan that depends on the table).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "contract_generator.hpp"
#include "fuzz_bytes.hpp"
#include "pixelpact/pixelpact.hpp"

namespace {

using pixelpact::Pipeline;
using pixelpact::PipelineOptions;
using pixelpact::fuzz::FuzzBytes;
using pixelpact::fuzz::fuzz_failure;

struct Outcome {
  bool ok = false;
  int code = -1;
  std::string message;
  std::vector<std::uint8_t> tensor;
};

PipelineOptions options_for(const std::string& isa) {
  PipelineOptions o;
  o.isa = isa;
  o.max_output_elements = int64_t{1} << 18;
  o.max_intermediate_bytes = int64_t{8} << 20;
  return o;
}

Outcome run_on(const std::string& isa, const std::string& json, const pixelpact::ImageView& image) {
  Outcome r;
  try {
    const Pipeline pipe = Pipeline::from_json(json, options_for(isa));
    const std::size_t bytes = pipe.output_bytes(image.height, image.width);
    std::unique_ptr<std::uint8_t[]> out(new std::uint8_t[bytes]);  // exact: ASan sees a write past it
    pipe.run(image, out.get(), bytes);
    r.tensor.assign(out.get(), out.get() + bytes);
    r.ok = true;
  } catch (const pixelpact::Error& e) {
    r.code = static_cast<int>(e.code());
    r.message = e.what();
    if (e.code() == pixelpact::ErrorCode::Internal) fuzz_failure("ErrorCode::Internal", json + "\n" + e.what());
  }
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> isas = pixelpact::supported_isas();  // best first, reference last
  FuzzBytes f(data, size);
  const pixelpact::fuzz::GeneratedContract contract = pixelpact::fuzz::generate_contract(f);

  // The image: a small size, sometimes a long thin one; noise or extremes.
  const int height = f.range(0, 7) == 0 ? static_cast<int>(f.range(1, 400)) : static_cast<int>(f.range(1, 40));
  const int width = f.range(0, 7) == 0 ? static_cast<int>(f.range(1, 400)) : static_cast<int>(f.range(1, 40));
  const int channels = contract.channels;
  const std::ptrdiff_t row = static_cast<std::ptrdiff_t>(width) * channels + f.range(0, 1) * f.range(0, 33);
  const bool flipped = f.range(0, 3) == 0;
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(row) * height);
  switch (f.pick(4)) {
    case 0: std::memset(pixels.data(), 0, pixels.size()); break;
    case 1: std::memset(pixels.data(), 255, pixels.size()); break;
    case 2:
      for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = ((i / channels) ^ (i / row)) & 1 ? 255 : 0;
      break;
    default: pixelpact::fuzz::fill_noise(pixels.data(), pixels.size(), f.range(0, 1 << 30));
  }
  pixelpact::ImageView image{pixels.data(), height, width, channels, row, channels, 1};
  if (flipped) {
    image.data = pixels.data() + (height - 1) * row;
    image.row_stride = -row;
  }

  const Outcome reference = run_on(isas.back(), contract.json, image);
  if (std::getenv("PIXELPACT_FUZZ_VERBOSE")) {  // how many generated contracts run (tuning the generator)
    std::fprintf(stderr, "%s %dx%d: %s\n", contract.json.c_str(), height, width,
                 reference.ok ? "ran" : reference.message.c_str());
  }
  for (std::size_t i = 0; i + 1 < isas.size(); ++i) {
    const Outcome other = run_on(isas[i], contract.json, image);
    const std::string where = isas[i] + " vs reference, " + std::to_string(height) + "x" + std::to_string(width) +
                              (flipped ? " flipped" : "") + ", row stride " + std::to_string(row) + "\n" +
                              contract.json;
    if (other.ok != reference.ok || other.code != reference.code || other.message != reference.message) {
      fuzz_failure("ISAs disagree on success", where + "\nreference: " + reference.message + "\n" + isas[i] + ": " +
                                                   other.message);
    }
    if (other.tensor != reference.tensor) {
      std::size_t at = 0;
      while (at < other.tensor.size() && other.tensor[at] == reference.tensor[at]) ++at;
      fuzz_failure("tensors differ", where + "\nfirst differing byte " + std::to_string(at) + " of " +
                                         std::to_string(other.tensor.size()));
    }
  }
  return 0;
}
