#include "../kernels.hpp"

namespace pixelpact::kernels::reference {

const KernelTable table = {"reference",     conv_horizontal, conv_vertical, gather_nearest,
                           write_tensor_u8, write_tensor_u16,  write_tensor_f32,
                           opencv_horizontal, opencv_vertical_linear, opencv_vertical_fixed, opencv_vertical_cubic,
                           opencv_area_horizontal, opencv_area_vertical, torch_float_resize, opencv_area_fast};

}  // namespace pixelpact::kernels::reference
