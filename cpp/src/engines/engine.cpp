#include "engines/engine.hpp"

namespace pixelpact::detail {

std::unique_ptr<const FloatStage> ResizeMode::plan_float(int, int, int, int) const {
  throw Error(ErrorCode::Internal, "", "this resize mode has no float32 stage");
}

}  // namespace pixelpact::detail
