#include "../kernels.hpp"

namespace pixelpact::kernels::avx512 {

const KernelTable table = {"avx512",        conv_horizontal, conv_vertical, reference::gather_nearest,
                           write_tensor_u8, write_tensor_u16,  write_tensor_f32,
                           opencv_horizontal, opencv_vertical_linear, reference::opencv_vertical_fixed,
                           reference::opencv_vertical_cubic,
                           reference::opencv_area_horizontal, reference::opencv_area_vertical,
                           reference::torch_float_resize, opencv_area_fast};

}  // namespace pixelpact::kernels::avx512
