// Schema-valid contracts generated from fuzzer bytes: every step type, engine,
// interpolation, size rule, letterbox rule, fill form, alpha policy, float
// dtype, arithmetic step, output layout, dtype and colour order of
// schema/pixelpact.schema.json, in the orders the core accepts (geometry, then
// 'to_float', arithmetic, one float32 resize and torchvision center crops).
// Values stay small so that every run is quick.
#pragma once

#include <string>

#include "fuzz_bytes.hpp"

namespace pixelpact::fuzz {

struct GeneratedContract {
  std::string json;
  int channels = 3;  // of the input colour
};

GeneratedContract generate_contract(FuzzBytes& f);

}  // namespace pixelpact::fuzz
