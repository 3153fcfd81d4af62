#include "../kernels.hpp"

namespace pixelpact::kernels::avx2 {

const KernelTable table = {"avx2",
                           conv_horizontal,
                           conv_vertical,
                           reference::gather_nearest,
                           reference::write_tensor_u8,
                           reference::write_tensor_u16,
                           reference::write_tensor_f32};

}  // namespace pixelpact::kernels::avx2
