#include "plan/compiled.hpp"

#include <utility>

#include "contract/canonical.hpp"
#include "contract/sha256.hpp"

namespace pixelpact::detail {

std::shared_ptr<CompiledContract> compile(Contract contract, const kernels::KernelTable& table) {
  auto cc = std::make_shared<CompiledContract>();
  cc->kernel_table = &table;
  cc->contract = std::move(contract);
  const Contract& c = cc->contract;
  cc->canonical = canonical_json(c);
  cc->fingerprint = sha256_hex(cc->canonical);
  const bool gray = c.input_color == InputColor::GRAY;
  const bool input_bgr = c.input_color == InputColor::BGR || c.input_color == InputColor::BGRA;
  const bool output_bgr = c.output_color == OutputColor::BGR;
  cc->work_channels = gray ? 1 : c.alpha == AlphaPolicy::Premultiply ? 4 : 3;
  for (int ch = 0; ch < 3; ++ch) cc->background[ch] = c.background[input_bgr ? 2 - ch : ch];
  for (int ch = 0; ch < 3; ++ch) {
    cc->source_channel[ch] = gray ? 0 : (input_bgr != output_bgr ? 2 - ch : ch);
  }
  cc->tables = build_elementwise_tables(c);
  return cc;
}

}  // namespace pixelpact::detail
