#include "../kernels.hpp"

namespace pixelpact::kernels::avx512 {

const KernelTable table = {"avx512",        conv_horizontal, conv_vertical, reference::gather_nearest,
                           write_tensor_u8, write_tensor_u16,  write_tensor_f32};

}  // namespace pixelpact::kernels::avx512
