// pixelpact._core: binds the C++ API. This is the only place C++ errors become
// Python exceptions; everything idiomatic lives in the pure-Python package.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "output_memory.hpp"
#include "pixelpact/pixelpact.hpp"

namespace py = pybind11;

namespace {

py::dtype numpy_dtype(pixelpact::DType dtype) {
  switch (dtype) {
    case pixelpact::DType::UInt8: return py::dtype("uint8");
    case pixelpact::DType::Float16: return py::dtype("float16");
    case pixelpact::DType::Float32: return py::dtype("float32");
    case pixelpact::DType::Float64: return py::dtype("float64");
  }
  throw std::logic_error("unknown dtype");
}

std::vector<py::ssize_t> shape_vector(const pixelpact::Shape& s) {
  return std::vector<py::ssize_t>(s.dims, s.dims + s.ndim);
}

// Describes a numpy uint8 image (H x W or H x W x C, any strides) to the core.
pixelpact::ImageView image_view(const py::array& image) {
  if (image.dtype().kind() != 'u' || image.itemsize() != 1) {
    throw py::type_error("image must be a uint8 array, got dtype " +
                         std::string(py::str(image.dtype())));
  }
  if (image.ndim() != 2 && image.ndim() != 3) {
    throw py::value_error("image must have shape (height, width) or (height, width, channels), got " +
                          std::to_string(image.ndim()) + " dimensions");
  }
  pixelpact::ImageView v;
  v.data = static_cast<const std::uint8_t*>(image.data());
  v.height = static_cast<int>(image.shape(0));
  v.width = static_cast<int>(image.shape(1));
  v.channels = image.ndim() == 3 ? static_cast<int>(image.shape(2)) : 1;
  v.row_stride = image.strides(0);
  v.pixel_stride = image.strides(1);
  v.channel_stride = image.ndim() == 3 ? image.strides(2) : 1;
  if (image.shape(0) > (1 << 20) || image.shape(1) > (1 << 20) ||
      (image.ndim() == 3 && image.shape(2) > 4)) {
    std::string shape = "(" + std::to_string(image.shape(0)) + ", " + std::to_string(image.shape(1));
    if (image.ndim() == 3) shape += ", " + std::to_string(image.shape(2));
    throw py::value_error("image shape " + shape + ")" +
                          " is out of range: sides are limited to 1048576 pixels, channels to 4");
  }
  return v;
}

class PyPipeline {
 public:
  PyPipeline(const std::string& json, const std::string& isa, std::int64_t max_output_elements,
             std::int64_t max_intermediate_bytes)
      : pipe_(pixelpact::Pipeline::from_json(json, options(isa, max_output_elements, max_intermediate_bytes))) {}

  static pixelpact::PipelineOptions options(const std::string& isa, std::int64_t max_output_elements,
                                            std::int64_t max_intermediate_bytes) {
    pixelpact::PipelineOptions o;
    o.isa = isa;
    if (max_output_elements >= 0) o.max_output_elements = max_output_elements;
    if (max_intermediate_bytes >= 0) o.max_intermediate_bytes = max_intermediate_bytes;
    return o;
  }

  py::tuple output_shape(int height, int width) const {
    return py::tuple(py::cast(shape_vector(pipe_.output_shape(height, width))));
  }

  py::dict geometry(int height, int width) const {
    const pixelpact::Geometry g = pipe_.geometry(height, width);
    py::dict d;
    d["input_size"] = py::make_tuple(g.input_height, g.input_width);
    d["output_size"] = py::make_tuple(g.output_height, g.output_width);
    d["scale"] = py::make_tuple(g.scale_y, g.scale_x);
    d["offset"] = py::make_tuple(g.offset_y, g.offset_x);
    d["content"] = py::make_tuple(g.content_y0, g.content_x0, g.content_y1, g.content_x1);
    return d;
  }

  py::array run(const py::array& image, int threads) const {
    pixelpact::ImageView view = image_view(image);
    pixelpact::Shape shape = pipe_.output_shape(view.height > 0 ? view.height : 1,
                                                view.width > 0 ? view.width : 1);
    py::array out = pixelpact_python::new_output_array(numpy_dtype(pipe_.output_dtype()), shape_vector(shape));
    void* dst = out.mutable_data();
    std::size_t bytes = static_cast<std::size_t>(out.nbytes());
    {
      py::gil_scoped_release release;
      pipe_.run(view, dst, bytes, threads);
    }
    return out;
  }

  // Runs into a caller-provided writable, C-contiguous array of the output dtype.
  void run_into(const py::array& image, py::array out, int threads) const {
    pixelpact::ImageView view = image_view(image);
    check_out(out);
    void* dst = out.mutable_data();
    std::size_t bytes = static_cast<std::size_t>(out.nbytes());
    py::gil_scoped_release release;
    pipe_.run(view, dst, bytes, threads);
  }

  // Runs every image into out[i] on `threads` threads (0 = all cores).
  void run_batch(const std::vector<py::array>& images, py::array out, int threads) const {
    std::vector<pixelpact::ImageView> views;
    views.reserve(images.size());
    for (const auto& image : images) views.push_back(image_view(image));
    check_out(out);
    void* dst = out.mutable_data();
    std::size_t bytes = static_cast<std::size_t>(out.nbytes());
    py::gil_scoped_release release;
    pipe_.run_batch(views.data(), views.size(), dst, bytes, threads);
  }

  // Encoded bytes: the header's facts, and the tensor (into `out` if given).
  py::dict encoded_info(const py::bytes& data) const {
    const std::string_view bytes = data;
    pixelpact::EncodedImageInfo i;
    {
      py::gil_scoped_release release;
      i = pipe_.encoded_info(bytes.data(), bytes.size());
    }
    py::dict d;
    d["format"] = i.format;
    d["size"] = py::make_tuple(i.height, i.width);
    d["stored_size"] = py::make_tuple(i.stored_height, i.stored_width);
    d["orientation"] = i.orientation;
    return d;
  }

  py::array run_encoded(const py::bytes& data, py::object out_object) const {
    const std::string_view bytes = data;
    py::array out;
    if (out_object.is_none()) {
      pixelpact::EncodedImageInfo i;
      {
        py::gil_scoped_release release;
        i = pipe_.encoded_info(bytes.data(), bytes.size());
      }
      out = pixelpact_python::new_output_array(numpy_dtype(pipe_.output_dtype()),
                                               shape_vector(pipe_.output_shape(i.height, i.width)));
    } else {
      out = out_object.cast<py::array>();
      check_out(out);
    }
    void* dst = out.mutable_data();
    const std::size_t size = static_cast<std::size_t>(out.nbytes());
    {
      py::gil_scoped_release release;
      pipe_.run_encoded(bytes.data(), bytes.size(), dst, size);
    }
    return out;
  }

  int input_channels() const { return pipe_.input_channels(); }

 private:
  // A caller's output array must be writable, C-contiguous and of the output dtype.
  void check_out(const py::array& out) const {
    if (!out.writeable()) throw py::value_error("out is read-only");
    if (!(out.flags() & py::array::c_style)) throw py::value_error("out must be C-contiguous");
    if (!out.dtype().is(numpy_dtype(pipe_.output_dtype()))) {
      throw py::type_error("out has dtype " + std::string(py::str(out.dtype())) + ", the contract outputs " +
                           std::string(pixelpact::dtype_name(pipe_.output_dtype())));
    }
  }

 public:
  std::string input_color() const { return std::string(pipe_.input_color()); }
  std::string name() const { return pipe_.name(); }
  std::string isa() const { return std::string(pipe_.isa()); }
  std::vector<std::pair<std::string, std::string>> kernels() const { return pipe_.kernels(); }
  std::string canonical_json() const { return pipe_.canonical_json(); }
  std::string fingerprint() const { return pipe_.fingerprint(); }
  std::string dtype() const { return std::string(pixelpact::dtype_name(pipe_.output_dtype())); }
  std::string layout() const { return std::string(pixelpact::layout_name(pipe_.output_layout())); }

 private:
  pixelpact::Pipeline pipe_;
};

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "pixelpact C++ core (private; use the pixelpact package)";
  m.attr("__version__") = std::string(pixelpact::version());

  // CoreError(message) with .code ("invalid_contract", "invalid_argument",
  // "buffer_too_small", "unsupported", "internal") and .path (JSON Pointer);
  // the Python package turns it into ContractError / ValueError / RuntimeError.
  m.attr("CoreError") = py::reinterpret_steal<py::object>(
      PyErr_NewException("pixelpact._core.CoreError", PyExc_Exception, nullptr));
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const pixelpact::Error& e) {
      const char* code = "internal";
      switch (e.code()) {
        case pixelpact::ErrorCode::InvalidContract: code = "invalid_contract"; break;
        case pixelpact::ErrorCode::InvalidArgument: code = "invalid_argument"; break;
        case pixelpact::ErrorCode::BufferTooSmall: code = "buffer_too_small"; break;
        case pixelpact::ErrorCode::Unsupported: code = "unsupported"; break;
        case pixelpact::ErrorCode::Internal: code = "internal"; break;
      }
      py::object type = py::module_::import("pixelpact._core").attr("CoreError");
      py::object err = type(e.what());
      err.attr("code") = code;
      err.attr("path") = e.path();
      PyErr_SetObject(type.ptr(), err.ptr());
    }
  });

  m.def("supported_isas", &pixelpact::supported_isas);
  m.def("decoders", &pixelpact::decoders);
  m.def("new_output_array", &pixelpact_python::new_output_array, py::arg("dtype"), py::arg("shape"));
  m.def("release_cached_outputs", &pixelpact_python::release_cached_outputs);
  m.def("cached_output_bytes", &pixelpact_python::cached_output_bytes);
  m.def("cache_setting_problem", &pixelpact_python::cache_setting_problem);
  m.attr("MAX_CONTRACT_NESTING") = pixelpact::kMaxContractNesting;

  py::class_<PyPipeline>(m, "Pipeline")
      .def(py::init<const std::string&, const std::string&, std::int64_t, std::int64_t>(), py::arg("contract_json"),
           py::arg("isa") = "", py::arg("max_output_elements") = -1, py::arg("max_intermediate_bytes") = -1)
      .def("output_shape", &PyPipeline::output_shape, py::arg("height"), py::arg("width"))
      .def("geometry", &PyPipeline::geometry, py::arg("height"), py::arg("width"))
      .def("run", &PyPipeline::run, py::arg("image"), py::arg("threads") = 1)
      .def("run_into", &PyPipeline::run_into, py::arg("image"), py::arg("out"), py::arg("threads") = 1)
      .def("run_batch", &PyPipeline::run_batch, py::arg("images"), py::arg("out"), py::arg("threads"))
      .def("encoded_info", &PyPipeline::encoded_info, py::arg("data"))
      .def("run_encoded", &PyPipeline::run_encoded, py::arg("data"), py::arg("out") = py::none())
      .def_property_readonly("input_channels", &PyPipeline::input_channels)
      .def_property_readonly("input_color", &PyPipeline::input_color)
      .def_property_readonly("name", &PyPipeline::name)
      .def_property_readonly("isa", &PyPipeline::isa)
      .def_property_readonly("kernels", &PyPipeline::kernels)
      .def_property_readonly("canonical_json", &PyPipeline::canonical_json)
      .def_property_readonly("fingerprint", &PyPipeline::fingerprint)
      .def_property_readonly("dtype", &PyPipeline::dtype)
      .def_property_readonly("layout", &PyPipeline::layout);
}
