#include "../kernels.hpp"

namespace pixelpact::kernels::avx2 {

const KernelTable table = {"avx2",
                           conv_horizontal,
                           conv_vertical,
                           reference::gather_nearest,
                           reference::write_tensor_u8,
                           reference::write_tensor_u16,
                           reference::write_tensor_f32,
                           opencv_horizontal, opencv_vertical_linear, reference::opencv_vertical_fixed,
                           reference::opencv_vertical_cubic,
                           reference::opencv_area_horizontal, reference::opencv_area_vertical,
                           reference::torch_float_resize, opencv_area_fast};

}  // namespace pixelpact::kernels::avx2
