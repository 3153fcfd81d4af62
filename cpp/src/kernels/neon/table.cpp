#include "../kernels.hpp"

namespace pixelpact::kernels::neon {

const KernelTable table = {"neon",
                           conv_horizontal,
                           conv_vertical,
                           reference::gather_nearest,
                           reference::write_tensor_u8,
                           reference::write_tensor_u16,
                           reference::write_tensor_f32,
                           reference::opencv_horizontal, reference::opencv_vertical_linear, reference::opencv_vertical_fixed,
                           reference::opencv_vertical_cubic,
                           reference::opencv_area_horizontal, reference::opencv_area_vertical,
                           reference::torch_float_resize, reference::opencv_area_fast};

}  // namespace pixelpact::kernels::neon
