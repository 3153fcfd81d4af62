#include "../kernels.hpp"

namespace pixelpact::kernels::reference {

const KernelTable table = {"reference",     conv_horizontal, conv_vertical, gather_nearest,
                           write_tensor_u8, write_tensor_u16,  write_tensor_f32};

}  // namespace pixelpact::kernels::reference
