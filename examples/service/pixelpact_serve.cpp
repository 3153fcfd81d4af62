// pixelpact-serve: a small HTTP service that turns uploaded JPEG/PNG images into
// model input tensors with a preprocessing contract.
//
//   pixelpact-serve CONTRACT.json [--port N] [--model MODEL.onnx]   (N = 0: any free port)
//                   [--max-upload-mb N] [--max-decoded-mb N] [--max-concurrent N] [--max-wait-ms N]
//                   [--timeout-s N] [--drain-s N]
//
// Protections (docs/reliability.md), each a clear 4xx, never a crash:
//   --max-upload-mb N    request bodies over N MiB: 413 (default 64)
//   --max-decoded-mb N   images whose decoded pixels (or any buffer between two
//                        steps) would pass N MiB: 400, refused from the header
//                        before any pixel is allocated (the pipeline's
//                        max_intermediate_bytes; default 256)
//   --max-concurrent N   at most N tensors computed at once (default: the number
//                        of cores, at least 2); a request beyond that waits for
//   --max-wait-ms N      up to N ms (default 1000; 0: none) and is then answered
//                        429 with Retry-After: 1
//   --timeout-s N        a client that sends or receives nothing for N seconds
//                        is disconnected (socket read/write timeouts; default
//                        10). A tensor being computed is not interrupted: its
//                        time is bounded by the decoded-size limit.
//   --drain-s N          on SIGTERM or SIGINT: new connections are refused at
//                        once, every connection already accepted (its request
//                        being read, computed, or waiting for a thread) is
//                        answered, then the process exits with status 0; after
//                        N s (default 20) or a second signal it exits at once
//                        with status 1.
//
// It loads and compiles the contract once at start-up and shares that one
// immutable pipeline between all request threads. It listens on 127.0.0.1 only.
// With --model it first checks that the ONNX model it feeds was stamped with this
// contract (pixelpact onnx stamp / export / attach write the canonical contract
// and its fingerprint into the model's metadata_props) and refuses to start
// otherwise: a model trained with other preprocessing never gets these tensors.
//
//   POST /v1/tensor   body: the JPEG or PNG file, sent with Content-Type image/jpeg,
//                     image/png or application/octet-stream (or as a multipart form
//                     field "image")
//                     200: the tensor as .npy bytes (application/octet-stream), with
//                          X-Pixelpact-Contract: <contract name>
//                          X-Pixelpact-Fingerprint: <the contract's fingerprint>
//                          X-Pixelpact-Shape: 1,3,224,224   X-Pixelpact-Dtype: float32
//                          X-Pixelpact-Image-Size: <height>x<width> (decoded)
//                     400: a text message (not an image, corrupt, unsupported, too large)
//   GET  /v1/contract the contract as canonical JSON
//   GET  /healthz     "ok"
//
// Decoding is the library's (Pipeline::run_encoded): the pixels Pillow's
// Image.open(file) + convert() gives, libjpeg-turbo and libpng underneath, the
// decoded size checked from the header before anything is allocated
// (docs/decoding.md). The contract's input.decode.orientation decides whether
// EXIF orientation is applied.
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <httplib.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <mutex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <pixelpact/pixelpact.hpp>

namespace {

struct Limits {
  std::size_t max_upload = std::size_t{64} << 20;          // bytes
  std::int64_t max_decoded = std::int64_t{256} << 20;      // bytes
  int max_concurrent = std::max(2u, std::thread::hardware_concurrency());
  int timeout_s = 10;
  int max_wait_ms = 1000;
  int drain_s = 20;
};

// A positive integer argument, or -1.
long positive(const char* text) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  return end != text && *end == '\0' && v > 0 && v <= (1L << 20) ? v : -1;
}

// At most `limit` requests compute a tensor at once; one more waits up to
// `wait` for a slot and is refused after that.
class Slots {
 public:
  explicit Slots(int limit) : free_(limit) {}
  bool acquire(std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!freed_.wait_for(lock, wait, [&] { return free_ > 0; })) return false;
    --free_;
    return true;
  }
  void release() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++free_;
    }
    freed_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable freed_;
  int free_;
};

class Admission {
 public:
  Admission(Slots& slots, std::chrono::milliseconds wait) : slots_(slots), admitted_(slots.acquire(wait)) {}
  ~Admission() {
    if (admitted_) slots_.release();
  }
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;
  bool admitted() const { return admitted_; }

 private:
  Slots& slots_;
  bool admitted_;
};

// ---- .npy ----------------------------------------------------------------------

// NumPy .npy format 1.0: magic, version, little-endian header length, a Python
// dict literal padded with spaces to a multiple of 64 bytes, then the C-order data.
std::string npy_bytes(const pixelpact::Shape& shape, pixelpact::DType dtype, const void* data, std::size_t size) {
  const char* descr = dtype == pixelpact::DType::UInt8     ? "|u1"
                      : dtype == pixelpact::DType::Float16 ? "<f2"
                      : dtype == pixelpact::DType::Float32 ? "<f4"
                                                           : "<f8";
  std::string dims;  // a Python tuple: "1, 3, 224, 224", or "3," for one dimension
  for (int i = 0; i < shape.ndim; ++i) dims += (i ? ", " : "") + std::to_string(shape.dims[i]);
  if (shape.ndim == 1) dims += ",";
  std::string header = "{'descr': '" + std::string(descr) + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(static_cast<char>(header.size() & 0xFF));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  out.append(static_cast<const char*>(data), size);
  return out;
}

std::string shape_text(const pixelpact::Shape& s) {
  std::string t;
  for (int i = 0; i < s.ndim; ++i) t += (i ? "," : "") + std::to_string(s.dims[i]);
  return t;
}

std::string read_file(const char* path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(std::string("cannot open ") + path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// ---- ONNX model stamp ----------------------------------------------------------
//
// A minimal reader of the protobuf wire format, enough to find ModelProto's
// metadata_props (field 14: StringStringEntryProto, key = 1, value = 2) without
// linking protobuf or onnx. Other fields (the graph and its weights, possibly
// gigabytes) are skipped by seeking.

class WireReader {
 public:
  // `size`: bytes in the stream, so that a length past the end is an error.
  WireReader(std::istream& in, std::uint64_t size) : in_(in), size_(size) {}

  bool varint(std::uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const int c = in_.get();
      if (c == EOF) return false;
      out |= static_cast<std::uint64_t>(c & 0x7F) << shift;
      if (!(c & 0x80)) return true;
    }
    return false;
  }

  // Skips a field's value of this wire type; false at the end or on an error.
  bool skip(std::uint32_t wire_type) {
    std::uint64_t n = 0;
    switch (wire_type) {
      case 0: return varint(n);
      case 1: n = 8; break;
      case 2:
        if (!varint(n)) return false;
        break;
      case 5: n = 4; break;
      default: return false;  // groups (3, 4) are not used by ONNX
    }
    if (n > size_ - static_cast<std::uint64_t>(in_.tellg())) return false;
    in_.seekg(static_cast<std::streamoff>(n), std::ios::cur);
    return static_cast<bool>(in_);
  }

  bool bytes(std::string& out) {
    std::uint64_t n = 0;
    if (!varint(n) || n > size_ - static_cast<std::uint64_t>(in_.tellg())) return false;
    out.resize(n);
    return static_cast<bool>(in_.read(&out[0], static_cast<std::streamsize>(n)));
  }

 private:
  std::istream& in_;
  std::uint64_t size_;
};

// key -> value of a StringStringEntryProto's bytes.
bool read_entry(const std::string& data, std::string& key, std::string& value) {
  std::istringstream in(data);
  WireReader r(in, data.size());
  std::uint64_t tag = 0;
  while (r.varint(tag)) {
    const std::uint64_t field = tag >> 3;
    const auto wire = static_cast<std::uint32_t>(tag & 7);
    if ((field == 1 || field == 2) && wire == 2) {
      if (!r.bytes(field == 1 ? key : value)) return false;
    } else if (!r.skip(wire)) {
      return false;
    }
  }
  return in.eof();
}

// The model's metadata_props; false (and a reason) if the file is not an ONNX model.
bool read_metadata(const char* path, std::vector<std::pair<std::string, std::string>>& props, std::string& error) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return error = "cannot open the model file", false;
  const auto size = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);
  WireReader r(in, size);
  bool ir_version = false;
  std::uint64_t tag = 0;
  while (r.varint(tag)) {
    const std::uint64_t field = tag >> 3;
    const auto wire = static_cast<std::uint32_t>(tag & 7);
    if (field == 0) return error = "not an ONNX model (invalid protobuf field)", false;
    if (field == 1 && wire == 0) ir_version = true;
    if (field == 14 && wire == 2) {
      std::string entry, key, value;
      if (!r.bytes(entry) || !read_entry(entry, key, value)) {
        return error = "not an ONNX model (a metadata_props entry is malformed)", false;
      }
      props.emplace_back(key, value);
    } else if (!r.skip(wire)) {
      return error = "not an ONNX model (truncated or invalid protobuf)", false;
    }
  }
  if (!in.eof() || !ir_version) return error = "not an ONNX model (no ir_version)", false;
  return true;
}

// Whether the model at `path` was stamped with the contract `pipe` runs.
bool check_model(const char* path, const pixelpact::Pipeline& pipe, std::string& error) {
  std::vector<std::pair<std::string, std::string>> props;
  if (!read_metadata(path, props, error)) return false;
  std::string contract, fingerprint, name, preprocessing;
  for (const auto& [key, value] : props) {
    if (key == "pixelpact.contract") contract = value;
    if (key == "pixelpact.fingerprint") fingerprint = value;
    if (key == "pixelpact.name") name = value;
    if (key == "pixelpact.preprocessing") preprocessing = value;
  }
  if (contract.empty() || fingerprint.empty()) {
    return error = "the model carries no pixelpact contract: stamp it with 'pixelpact onnx stamp MODEL CONTRACT'",
           false;
  }
  try {
    if (pixelpact::Pipeline::from_json(contract).fingerprint() != fingerprint) {
      return error = "the model's stamp is inconsistent (its contract does not have its fingerprint)", false;
    }
  } catch (const pixelpact::Error& e) {
    return error = std::string("the model's stamped contract is not valid: ") + e.what(), false;
  }
  if (fingerprint != pipe.fingerprint()) {
    return error = "the model was stamped with other preprocessing: its contract is " + fingerprint +
                   (name.empty() ? "" : " (" + name + ")") + ", this service runs " + pipe.fingerprint() +
                   (pipe.name().empty() ? "" : " (" + pipe.name() + ")"),
           false;
  }
  if (preprocessing == "baked") {
    return error = "the model has this preprocessing baked in: it takes the raw image, not this service's tensors",
           false;
  }
  return true;
}

// The listening socket of `port` (this process's only one), or -1.
int listening_socket(int port) {
  for (int fd = 3; fd < 1024; ++fd) {
    int accepting = 0;
    socklen_t length = sizeof accepting;
    sockaddr_in address{};
    socklen_t address_length = sizeof address;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0 && accepting &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_length) == 0 &&
        address.sin_family == AF_INET && ntohs(address.sin_port) == port) {
      return fd;
    }
  }
  return -1;
}

void bad_request(httplib::Response& res, const std::string& message) {
  res.status = 400;
  res.set_content(message + "\n", "text/plain");
}

}  // namespace

int main(int argc, char** argv) {
  const char* contract_path = nullptr;
  const char* model_path = nullptr;
  int port = 8080;
  Limits limits;
  bool usage_error = false;
  for (int i = 1; i < argc; ++i) {
    const bool has_value = i + 1 < argc;
    if (std::strcmp(argv[i], "--port") == 0 && has_value) {
      port = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--max-upload-mb") == 0 && has_value) {
      const long v = positive(argv[++i]);
      usage_error |= v < 0;
      limits.max_upload = static_cast<std::size_t>(v) << 20;
    } else if (std::strcmp(argv[i], "--max-decoded-mb") == 0 && has_value) {
      const long v = positive(argv[++i]);
      usage_error |= v < 0;
      limits.max_decoded = static_cast<std::int64_t>(v) << 20;
    } else if (std::strcmp(argv[i], "--max-concurrent") == 0 && has_value) {
      const long v = positive(argv[++i]);
      usage_error |= v < 0;
      limits.max_concurrent = static_cast<int>(v);
    } else if (std::strcmp(argv[i], "--max-wait-ms") == 0 && has_value) {
      const long v = std::strcmp(argv[i + 1], "0") == 0 ? 0 : positive(argv[i + 1]);
      ++i;
      usage_error |= v < 0;
      limits.max_wait_ms = static_cast<int>(v);
    } else if (std::strcmp(argv[i], "--timeout-s") == 0 && has_value) {
      const long v = positive(argv[++i]);
      usage_error |= v < 0;
      limits.timeout_s = static_cast<int>(v);
    } else if (std::strcmp(argv[i], "--drain-s") == 0 && has_value) {
      const long v = positive(argv[++i]);
      usage_error |= v < 0;
      limits.drain_s = static_cast<int>(v);
    } else if (std::strcmp(argv[i], "--model") == 0 && i + 1 < argc) {
      model_path = argv[++i];
    } else if (!contract_path && argv[i][0] != '-') {
      contract_path = argv[i];
    } else {
      contract_path = nullptr;
      break;
    }
  }
  if (!contract_path || usage_error) {
    std::cerr << "usage: " << argv[0]
              << " CONTRACT.json [--port N] [--model MODEL.onnx] [--max-upload-mb N] [--max-decoded-mb N]"
                 " [--max-concurrent N] [--max-wait-ms N] [--timeout-s N] [--drain-s N]   (N: positive integers)\n";
    return 2;
  }

  // One pipeline, compiled once, shared (read-only) by every request thread.
  std::unique_ptr<const pixelpact::Pipeline> pipe;
  pixelpact::PipelineOptions options;
  options.max_intermediate_bytes = limits.max_decoded;
  try {
    pipe = std::make_unique<const pixelpact::Pipeline>(pixelpact::Pipeline::from_json(read_file(contract_path), options));
  } catch (const std::exception& e) {
    std::cerr << "pixelpact-serve: " << contract_path << ": " << e.what() << "\n";
    return 1;
  }
  if (model_path) {
    std::string error;
    if (!check_model(model_path, *pipe, error)) {
      std::cerr << "pixelpact-serve: refusing to start: " << model_path << ": " << error << "\n";
      return 1;
    }
    std::cerr << "pixelpact-serve: " << model_path << " was stamped with this contract (" << pipe->fingerprint()
              << ")\n";
  }
  const std::string name = pipe->name().empty() ? "(unnamed)" : pipe->name();

  httplib::Server server;
  server.set_payload_max_length(limits.max_upload);
  server.set_read_timeout(limits.timeout_s, 0);
  server.set_write_timeout(limits.timeout_s, 0);
  // Enough threads for the admitted requests plus the ones waiting or refused.
  const int threads = limits.max_concurrent + 8;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  Slots slots(limits.max_concurrent);
  // Set on SIGTERM/SIGINT (below). From then on every answer says
  // "Connection: close", so that a client keeping its connection alive closes it
  // instead of holding the shutdown for httplib's keep-alive timeout.
  std::atomic<bool> stopping{false};
  server.set_post_routing_handler([&stopping](const httplib::Request&, httplib::Response& res) {
    if (stopping) res.set_header("Connection", "close");
  });

  // httplib answers 413 itself for bodies over the limit, and for any
  // application/x-www-form-urlencoded body over 8 KiB (what curl --data-binary
  // and urllib send unless told otherwise): say which.
  server.set_error_handler([&limits](const httplib::Request& req, httplib::Response& res) {
    if (res.status == 413) {
      res.set_content(req.get_header_value("Content-Type") == "application/x-www-form-urlencoded"
                          ? "send the image with Content-Type: image/jpeg or image/png (form-urlencoded bodies "
                            "are limited to 8 KiB)\n"
                          : "upload too large (limit " + std::to_string(limits.max_upload >> 20) + " MiB)\n",
                      "text/plain");
    } else if (res.body.empty()) {  // httplib's own refusals (e.g. a multipart body that does not parse)
      res.set_content(res.status == 400 ? "malformed request: the body or its multipart form does not parse\n"
                                        : "request refused (HTTP " + std::to_string(res.status) + ")\n",
                      "text/plain");
    }
  });
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  server.Get("/v1/contract", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(pipe->canonical_json(), "application/json");
  });
  server.Post("/v1/tensor", [&](const httplib::Request& req, httplib::Response& res) {
    const std::string& body = req.is_multipart_form_data() && req.has_file("image")
                                  ? req.get_file_value("image").content : req.body;
    if (body.empty()) {
      return bad_request(res, "empty upload: POST the JPEG or PNG file as the body, or as a form field 'image'");
    }
    const Admission admission(slots, std::chrono::milliseconds(limits.max_wait_ms));
    if (!admission.admitted()) {
      res.status = 429;
      res.set_header("Retry-After", "1");
      res.set_content("busy: " + std::to_string(limits.max_concurrent) + " requests are being computed and none " +
                          "finished within " + std::to_string(limits.max_wait_ms) + " ms; retry shortly\n",
                      "text/plain");
      return;
    }
    try {
      const pixelpact::EncodedImageInfo info = pipe->encoded_info(body.data(), body.size());
      const pixelpact::Shape shape = pipe->output_shape(info.height, info.width);
      const std::size_t bytes = pipe->output_bytes(info.height, info.width);
      // Left uninitialised (aligned for any dtype): run_encoded refuses an image
      // over the decoded-size limit before writing a byte, and a buffer nobody
      // wrote costs no resident memory. A zero-filled one would make every such
      // refusal touch a tensor as large as the image.
      const std::unique_ptr<double[]> tensor(new double[(bytes + sizeof(double) - 1) / sizeof(double)]);
      pipe->run_encoded(body.data(), body.size(), tensor.get(), bytes);
      res.set_content(npy_bytes(shape, pipe->output_dtype(), tensor.get(), bytes), "application/octet-stream");
      res.set_header("X-Pixelpact-Contract", name);
      res.set_header("X-Pixelpact-Fingerprint", pipe->fingerprint());
      res.set_header("X-Pixelpact-Shape", shape_text(shape));
      res.set_header("X-Pixelpact-Dtype", std::string(pixelpact::dtype_name(pipe->output_dtype())));
      res.set_header("X-Pixelpact-Image-Size", std::to_string(info.height) + "x" + std::to_string(info.width));
    } catch (const std::bad_alloc&) {
      res.status = 503;
      res.set_content("out of memory: retry later\n", "text/plain");
    } catch (const pixelpact::Error& e) {
      // Not an image, corrupt, truncated, too large, or a kind no contract can
      // promise exactly: the client's upload.
      if (e.code() == pixelpact::ErrorCode::InvalidArgument || e.code() == pixelpact::ErrorCode::Unsupported) {
        return bad_request(res, e.what());
      }
      res.status = 500;
      res.set_content(std::string(e.what()) + "\n", "text/plain");
    }
  });

  // SIGINT/SIGTERM are taken by a thread (below), not a signal handler: blocked
  // here, before any thread exists, so that every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  const char* host = "127.0.0.1";  // loopback only
  if (port == 0) {
    port = server.bind_to_any_port(host);
  } else if (!server.bind_to_port(host, port)) {
    port = -1;
  }
  const int listener = port > 0 ? listening_socket(port) : -1;
  if (listener < 0) {
    std::cerr << "pixelpact-serve: cannot listen on " << host << "\n";
    return 1;
  }
  // Debian's compiled cpp-httplib listens with a backlog of 5: under a burst of
  // connections the kernel drops SYNs and clients wait a 1 s retransmission. The
  // system's maximum instead (listen() again on a listening socket sets it).
  ::listen(listener, SOMAXCONN);

  // Graceful shutdown. The listening socket is shut down: new connections are
  // refused from then on (and any not yet accepted are reset). httplib's accept
  // loop ends, and its thread pool runs every connection it accepted to the end
  // (one being read, computed, written, or waiting in the queue for a thread)
  // before listen_after_bind() returns. httplib's Server::stop() is not used: it
  // marks the server stopped first, and a request thread then closes each
  // connection it takes from the queue unread, dropping accepted requests.
  std::thread([listener, &stopping, stop_signals, drain_s = limits.drain_s] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    stopping = true;
    std::cerr << "pixelpact-serve: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
              << ": refusing new connections, finishing the accepted ones\n";
    ::shutdown(listener, SHUT_RDWR);
    const timespec drain{drain_s, 0};
    siginfo_t info;
    int again = -1;
    do {
      again = sigtimedwait(&stop_signals, &info, &drain);
    } while (again < 0 && errno == EINTR);
    std::cerr << "pixelpact-serve: "
              << (again < 0 ? "connections still open after " + std::to_string(drain_s) + " s" : std::string("a second signal"))
              << ": exiting now\n";
    std::_Exit(1);
  }).detach();

  std::cout << "pixelpact-serve: contract '" << name << "' on http://" << host << ":" << port << std::endl;
  // After the shutdown above, listen_after_bind() reports the accept loop's end
  // as a failure: that is the clean exit.
  const bool listened = server.listen_after_bind();
  return stopping || listened ? 0 : 1;
}
