/* Test of the C API (pixelpact.h), compiled as C11: proves the header is valid C
 * and exercises every function, every error path, thread-local errors, shared
 * pipelines across threads, and the conformance suite through the C ABI.
 *
 *   test_c_api CONFORMANCE_DIR
 *
 * CONFORMANCE_DIR holds <name>.json, <name>_input.npy and <name>_expected.npy
 * (expected tensors from Pillow/torchvision, see tests/conformance/generate.py).
 * Built twice: in-tree (ctest) and against the installed package
 * (tests/cmake_consumer). Prints "N passed, M failed" and exits non-zero on failure.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pixelpact/pixelpact.h>

#ifndef PIXELPACT_EXPECTED_VERSION
#error "build with -DPIXELPACT_EXPECTED_VERSION=\"x.y.z\""
#endif

/* ---- harness ---------------------------------------------------------- */

static int g_failed_checks = 0;

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) {                                                          \
      printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);     \
      ++g_failed_checks;                                                    \
    }                                                                       \
  } while (0)

/* A call must fail with this status, and pp_last_error() must contain `needle`. */
#define CHECK_FAILS(call, status, needle)                                                 \
  do {                                                                                    \
    pp_status got_ = (call);                                                              \
    if (got_ != (status) || strstr(pp_last_error(), (needle)) == NULL) {                  \
      printf("  %s:%d: %s gave %s \"%s\", expected %s containing \"%s\"\n", __FILE__,      \
             __LINE__, #call, pp_status_name(got_), pp_last_error(), #status, (needle));  \
      ++g_failed_checks;                                                                  \
    }                                                                                     \
  } while (0)

static int g_cases = 0, g_failed_cases = 0;
static const char* g_conformance_dir = NULL;

static void run_case(const char* name, void (*fn)(void)) {
  int before = g_failed_checks;
  fn();
  ++g_cases;
  if (g_failed_checks != before) ++g_failed_cases;
  printf("%s %s\n", g_failed_checks == before ? "ok  " : "FAIL", name);
}

/* ---- helpers ---------------------------------------------------------- */

static const char* const kContract =
    "{\"pixelpact\": 1, \"name\": \"c-test\", \"input\": {\"color\": \"RGB\"},"
    " \"steps\": [{\"op\": \"resize\", \"size\": 20, \"interpolation\": \"bilinear\", \"engine\": \"pillow\"},"
    "  {\"op\": \"center_crop\", \"size\": [16, 12]},"
    "  {\"op\": \"to_float\", \"dtype\": \"float32\"}, {\"op\": \"div\", \"value\": 255},"
    "  {\"op\": \"normalize\", \"mean\": [0.485, 0.456, 0.406], \"std\": [0.229, 0.224, 0.225]}],"
    " \"output\": {\"layout\": \"NCHW\", \"dtype\": \"float32\", \"color\": \"RGB\"}}";

static pp_pipeline* make_pipeline(const char* json) {
  pp_pipeline* p = NULL;
  if (pp_pipeline_create(json, PP_NUL_TERMINATED, &p) != PP_OK) {
    printf("  cannot create pipeline: %s\n", pp_last_error());
    ++g_failed_checks;
  }
  return p;
}

/* A deterministic noise image. */
static uint8_t* noise(int height, int width, int channels, unsigned seed) {
  size_t n = (size_t)height * (size_t)width * (size_t)channels;
  uint8_t* img = malloc(n);
  uint32_t x = seed * 2654435761u + 1u;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    img[i] = (uint8_t)(x >> 24);
  }
  return img;
}

static size_t bytes_for(const pp_pipeline* p, int height, int width) {
  size_t bytes = 0;
  CHECK(pp_pipeline_output_bytes(p, height, width, &bytes) == PP_OK);
  return bytes;
}

/* Runs p on a packed image into a new buffer (float-aligned, from malloc). */
static void* run_packed(const pp_pipeline* p, const uint8_t* img, int h, int w, int c, size_t* bytes) {
  *bytes = bytes_for(p, h, w);
  void* out = malloc(*bytes);
  CHECK(pp_pipeline_run(p, img, h, w, c, 0, out, *bytes) == PP_OK);
  return out;
}

/* ---- .npy reading (C order, format 1-3) -------------------------------- */

typedef struct {
  char descr[8];
  int ndim;
  int64_t shape[4];
  unsigned char* data;
  size_t bytes;
  unsigned char* file;
} npy;

static unsigned char* read_file(const char* path, size_t* size) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  unsigned char* buf = malloc(cap);
  size_t got;
  while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  *size = n;
  return buf;
}

static int read_npy(const char* path, npy* out) {
  size_t size = 0;
  unsigned char* b = read_file(path, &size);
  memset(out, 0, sizeof *out);
  if (!b || size < 12 || memcmp(b, "\x93NUMPY", 6) != 0) return free(b), 0;
  size_t header_len, offset;
  if (b[6] == 1) {
    header_len = (size_t)b[8] | ((size_t)b[9] << 8);
    offset = 10;
  } else {
    header_len = (size_t)b[8] | ((size_t)b[9] << 8) | ((size_t)b[10] << 16) | ((size_t)b[11] << 24);
    offset = 12;
  }
  char* header = malloc(header_len + 1);
  memcpy(header, b + offset, header_len);
  header[header_len] = '\0';
  const char* d = strstr(header, "'descr': '");
  const char* s = strstr(header, "'shape': (");
  int ok = d && s && strstr(header, "'fortran_order': False");
  if (ok) {
    d += 10;
    size_t k = 0;
    while (d[k] && d[k] != '\'' && k + 1 < sizeof out->descr) out->descr[k] = d[k], ++k;
    s += 10;
    while (*s && *s != ')' && out->ndim < 4) {
      char* end;
      long long v = strtoll(s, &end, 10);
      if (end == s) break;
      out->shape[out->ndim++] = v;
      s = end;
      while (*s == ',' || *s == ' ') ++s;
    }
  }
  free(header);
  out->file = b;
  out->data = b + offset + header_len;
  out->bytes = size - offset - header_len;
  return ok;
}

/* ---- cases ------------------------------------------------------------ */

static void test_version(void) {
  CHECK(strcmp(pp_version(), PIXELPACT_EXPECTED_VERSION) == 0);
  CHECK(pp_contract_version() == 1);
}

static void test_names_and_sizes(void) {
  CHECK(strcmp(pp_status_name(PP_OK), "PP_OK") == 0);
  CHECK(strcmp(pp_status_name(PP_ERROR_INVALID_CONTRACT), "PP_ERROR_INVALID_CONTRACT") == 0);
  CHECK(strcmp(pp_status_name(PP_ERROR_INVALID_ARGUMENT), "PP_ERROR_INVALID_ARGUMENT") == 0);
  CHECK(strcmp(pp_status_name(PP_ERROR_BUFFER_TOO_SMALL), "PP_ERROR_BUFFER_TOO_SMALL") == 0);
  CHECK(strcmp(pp_status_name(PP_ERROR_UNSUPPORTED), "PP_ERROR_UNSUPPORTED") == 0);
  CHECK(strcmp(pp_status_name(PP_ERROR_INTERNAL), "PP_ERROR_INTERNAL") == 0);
  CHECK(strcmp(pp_status_name((pp_status)42), "PP_UNKNOWN") == 0);
  CHECK(PP_OK == 0 && PP_ERROR_INVALID_CONTRACT == 1 && PP_ERROR_INTERNAL == 5);
  CHECK(pp_dtype_size(PP_DTYPE_UINT8) == 1);
  CHECK(pp_dtype_size(PP_DTYPE_FLOAT16) == 2);
  CHECK(pp_dtype_size(PP_DTYPE_FLOAT32) == 4);
  CHECK(pp_dtype_size((pp_dtype)0) == 0);
}

static void test_create_and_describe(void) {
  pp_pipeline* p = make_pipeline(kContract);
  if (!p) return;
  CHECK(strcmp(pp_pipeline_name(p), "c-test") == 0);
  CHECK(strcmp(pp_pipeline_input_color(p), "RGB") == 0);
  CHECK(strstr(pp_pipeline_canonical_json(p), "\"center_crop\"") != NULL);
  CHECK(strstr(pp_pipeline_canonical_json(p), "c-test") == NULL); /* the name is not part of it */
  const char* fingerprint = pp_pipeline_fingerprint(p);
  CHECK(fingerprint != NULL && strlen(fingerprint) == 64 && strspn(fingerprint, "0123456789abcdef") == 64);
  {
    /* The canonical form is a contract with the same canonical form. */
    pp_pipeline* again = make_pipeline(pp_pipeline_canonical_json(p));
    if (again) {
      CHECK(strcmp(pp_pipeline_fingerprint(again), fingerprint) == 0);
      CHECK(strcmp(pp_pipeline_canonical_json(again), pp_pipeline_canonical_json(p)) == 0);
      pp_pipeline_destroy(again);
    }
  }
  int channels = 0;
  CHECK(pp_pipeline_input_channels(p, &channels) == PP_OK && channels == 3);
  pp_dtype dtype = PP_DTYPE_UINT8;
  CHECK(pp_pipeline_output_dtype(p, &dtype) == PP_OK && dtype == PP_DTYPE_FLOAT32);
  pp_layout layout = PP_LAYOUT_HWC;
  CHECK(pp_pipeline_output_layout(p, &layout) == PP_OK && layout == PP_LAYOUT_NCHW);
  int64_t shape[4] = {-1, -1, -1, -1};
  int ndim = 0;
  CHECK(pp_pipeline_output_shape(p, 480, 640, shape, &ndim) == PP_OK);
  CHECK(ndim == 4 && shape[0] == 1 && shape[1] == 3 && shape[2] == 16 && shape[3] == 12);
  CHECK(bytes_for(p, 480, 640) == 1 * 3 * 16 * 12 * 4);
  /* 480x640 -> resize 20x26 -> crop at (2, 7): input = output * 24 + 48 (rows),
   * output * 640/26 + 7 * 640/26 (columns). */
  pp_geometry g;
  CHECK(pp_pipeline_geometry(p, 480, 640, &g) == PP_OK);
  CHECK(g.input_height == 480 && g.input_width == 640 && g.output_height == 16 && g.output_width == 12);
  CHECK(g.scale_y == 24.0 && g.offset_y == 48.0 && g.scale_x == 640.0 / 26 && g.offset_x == 7 * (640.0 / 26));
  CHECK(g.content_y0 == 0 && g.content_x0 == 0 && g.content_y1 == 16 && g.content_x1 == 12);
  CHECK_FAILS(pp_pipeline_geometry(p, 0, 5, &g), PP_ERROR_INVALID_ARGUMENT, "positive");
  CHECK_FAILS(pp_pipeline_geometry(p, 5, 5, NULL), PP_ERROR_INVALID_ARGUMENT, "'geometry' is NULL");
  pp_pipeline_destroy(p);

  /* An explicit length: bytes past it are not read. */
  size_t n = strlen(kContract);
  char* padded = malloc(n + 8);
  memcpy(padded, kContract, n);
  memcpy(padded + n, "garbage", 8);
  p = NULL;
  CHECK(pp_pipeline_create(padded, n, &p) == PP_OK && p != NULL);
  pp_pipeline_destroy(p);
  free(padded);

  /* A 3-dimensional layout: trailing shape entries are 0. */
  p = make_pipeline("{\"pixelpact\": 1, \"input\": {\"color\": \"GRAY\"}, \"steps\": [],"
                    " \"output\": {\"layout\": \"HWC\", \"dtype\": \"uint8\", \"color\": \"BGR\"}}");
  if (!p) return;
  CHECK(pp_pipeline_output_shape(p, 5, 7, shape, &ndim) == PP_OK);
  CHECK(ndim == 3 && shape[0] == 5 && shape[1] == 7 && shape[2] == 3 && shape[3] == 0);
  CHECK(strcmp(pp_pipeline_name(p), "") == 0);
  CHECK(pp_pipeline_input_channels(p, &channels) == PP_OK && channels == 1);
  CHECK(pp_pipeline_output_dtype(p, &dtype) == PP_OK && dtype == PP_DTYPE_UINT8);
  CHECK(pp_pipeline_output_layout(p, &layout) == PP_OK && layout == PP_LAYOUT_HWC);
  pp_pipeline_destroy(p);
  pp_pipeline_destroy(NULL); /* allowed */
}

static void test_create_errors(void) {
  pp_pipeline* p = (pp_pipeline*)&p; /* a non-NULL sentinel: failures must reset it */
  CHECK_FAILS(pp_pipeline_create("{\"pixelpact\": ", PP_NUL_TERMINATED, &p), PP_ERROR_INVALID_CONTRACT,
              "not valid JSON");
  CHECK(p == NULL);
  CHECK(strcmp(pp_last_error_path(), "/pixelpact") == 0); /* the value being read when the text ended */

  const char* zero_size =
      "{\"pixelpact\": 1, \"input\": {\"color\": \"RGB\"},"
      " \"steps\": [{\"op\": \"resize\", \"size\": 0, \"interpolation\": \"bilinear\", \"engine\": \"pillow\"}],"
      " \"output\": {\"layout\": \"NCHW\", \"dtype\": \"uint8\", \"color\": \"RGB\"}}";
  p = (pp_pipeline*)&p;
  CHECK_FAILS(pp_pipeline_create(zero_size, PP_NUL_TERMINATED, &p), PP_ERROR_INVALID_CONTRACT,
              "/steps/0/size: 0 is less than the minimum of 1");
  CHECK(p == NULL);
  CHECK(strcmp(pp_last_error_path(), "/steps/0/size") == 0);

  CHECK_FAILS(pp_pipeline_create("{\"pixelpact\": 2}", PP_NUL_TERMINATED, &p), PP_ERROR_INVALID_CONTRACT,
              "missing required property 'input'");
  CHECK_FAILS(pp_pipeline_create("{\"pixelpact\": 1, \"input\": {\"color\": \"RGB\"}, \"steps\": [],"
                                 " \"output\": {\"layout\": \"NCHW\", \"dtype\": \"uint8\", \"color\": \"RGBA\"}}",
                                 PP_NUL_TERMINATED, &p),
              PP_ERROR_INVALID_CONTRACT, "/output/color: ");
  CHECK(strcmp(pp_last_error_path(), "/output/color") == 0);
  CHECK_FAILS(pp_pipeline_create("", 0, &p), PP_ERROR_INVALID_CONTRACT, "not valid JSON");
  CHECK_FAILS(pp_pipeline_create(NULL, 10, &p), PP_ERROR_INVALID_ARGUMENT, "'contract_json' is NULL");
  CHECK(p == NULL);
  CHECK_FAILS(pp_pipeline_create(kContract, PP_NUL_TERMINATED, NULL), PP_ERROR_INVALID_ARGUMENT,
              "'out' is NULL");
  /* A truncated length makes the text invalid JSON. */
  CHECK_FAILS(pp_pipeline_create(kContract, 20, &p), PP_ERROR_INVALID_CONTRACT, "not valid JSON");
}

static void test_create_from_file(void) {
  char path[4096];
  snprintf(path, sizeof path, "%s/imagenet-eval.json", g_conformance_dir);
  pp_pipeline* p = NULL;
  CHECK(pp_pipeline_create_from_file(path, &p) == PP_OK && p != NULL);
  if (p) CHECK(strcmp(pp_pipeline_name(p), "imagenet-eval") == 0);
  pp_pipeline_destroy(p);

  p = (pp_pipeline*)&p;
  CHECK_FAILS(pp_pipeline_create_from_file("/nonexistent/contract.json", &p), PP_ERROR_INVALID_ARGUMENT,
              "cannot open contract file '/nonexistent/contract.json'");
  CHECK(p == NULL);
  CHECK(strstr(pp_last_error(), "No such file") != NULL);

  /* A file that is not a contract: the message names the file and the JSON path. */
  snprintf(path, sizeof path, "%s/imagenet-eval_input.npy", g_conformance_dir);
  CHECK_FAILS(pp_pipeline_create_from_file(path, &p), PP_ERROR_INVALID_CONTRACT, "imagenet-eval_input.npy: ");
  CHECK_FAILS(pp_pipeline_create_from_file(NULL, &p), PP_ERROR_INVALID_ARGUMENT, "'path' is NULL");
  CHECK_FAILS(pp_pipeline_create_from_file(path, NULL), PP_ERROR_INVALID_ARGUMENT, "'out' is NULL");
}

static void test_query_errors(void) {
  pp_pipeline* p = make_pipeline(kContract);
  if (!p) return;
  int64_t shape[4];
  int ndim, channels;
  size_t bytes;
  pp_dtype dtype;
  pp_layout layout;
  CHECK_FAILS(pp_pipeline_output_shape(NULL, 10, 10, shape, &ndim), PP_ERROR_INVALID_ARGUMENT, "'p' is NULL");
  CHECK_FAILS(pp_pipeline_output_shape(p, 10, 10, NULL, &ndim), PP_ERROR_INVALID_ARGUMENT, "'shape' is NULL");
  CHECK_FAILS(pp_pipeline_output_shape(p, 10, 10, shape, NULL), PP_ERROR_INVALID_ARGUMENT, "'ndim' is NULL");
  CHECK_FAILS(pp_pipeline_output_shape(p, 0, 10, shape, &ndim), PP_ERROR_INVALID_ARGUMENT,
              "input size must be positive, got 0x10");
  CHECK_FAILS(pp_pipeline_output_shape(p, 10, -3, shape, &ndim), PP_ERROR_INVALID_ARGUMENT, "positive");
  CHECK_FAILS(pp_pipeline_output_bytes(NULL, 10, 10, &bytes), PP_ERROR_INVALID_ARGUMENT, "'p' is NULL");
  CHECK_FAILS(pp_pipeline_output_bytes(p, 10, 10, NULL), PP_ERROR_INVALID_ARGUMENT, "'bytes' is NULL");
  CHECK_FAILS(pp_pipeline_output_bytes(p, -1, 10, &bytes), PP_ERROR_INVALID_ARGUMENT, "positive");
  CHECK_FAILS(pp_pipeline_output_dtype(NULL, &dtype), PP_ERROR_INVALID_ARGUMENT, "'p' is NULL");
  CHECK_FAILS(pp_pipeline_output_dtype(p, NULL), PP_ERROR_INVALID_ARGUMENT, "'dtype' is NULL");
  CHECK_FAILS(pp_pipeline_output_layout(NULL, &layout), PP_ERROR_INVALID_ARGUMENT, "'p' is NULL");
  CHECK_FAILS(pp_pipeline_output_layout(p, NULL), PP_ERROR_INVALID_ARGUMENT, "'layout' is NULL");
  CHECK_FAILS(pp_pipeline_input_channels(NULL, &channels), PP_ERROR_INVALID_ARGUMENT, "'p' is NULL");
  CHECK_FAILS(pp_pipeline_input_channels(p, NULL), PP_ERROR_INVALID_ARGUMENT, "'channels' is NULL");
  CHECK(pp_pipeline_name(NULL) == NULL && strstr(pp_last_error(), "pp_pipeline_name: argument 'p' is NULL"));
  CHECK(pp_pipeline_input_color(NULL) == NULL && strstr(pp_last_error(), "pp_pipeline_input_color"));
  CHECK(pp_pipeline_canonical_json(NULL) == NULL && strstr(pp_last_error(), "pp_pipeline_canonical_json"));
  CHECK(pp_pipeline_fingerprint(NULL) == NULL && strstr(pp_last_error(), "pp_pipeline_fingerprint"));
  pp_pipeline_destroy(p);

  /* A size the contract cannot serve: the shorter side would reach 0 pixels. */
  p = make_pipeline("{\"pixelpact\": 1, \"input\": {\"color\": \"RGB\"}, \"steps\": [{\"op\": \"resize\","
                    " \"size\": 100, \"max_size\": 101, \"interpolation\": \"bilinear\", \"engine\": \"pillow\"}],"
                    " \"output\": {\"layout\": \"HWC\", \"dtype\": \"uint8\", \"color\": \"RGB\"}}");
  if (!p) return;
  CHECK_FAILS(pp_pipeline_output_shape(p, 3, 2000, shape, &ndim), PP_ERROR_INVALID_ARGUMENT,
              "resize step 0 maps");
  pp_pipeline_destroy(p);
}

static void test_run_errors(void) {
  pp_pipeline* p = make_pipeline(kContract);
  if (!p) return;
  const int h = 30, w = 40;
  uint8_t* rgb = noise(h, w, 3, 1);
  size_t bytes = bytes_for(p, h, w);
  unsigned char* out = malloc(bytes + 64);
  memset(out, 0xAB, bytes + 64);

  CHECK_FAILS(pp_pipeline_run(p, rgb, h, w, 4, 0, out, bytes), PP_ERROR_INVALID_ARGUMENT,
              "input color RGB needs 3 channel(s), the image has 4");
  CHECK_FAILS(pp_pipeline_run(p, rgb, h, w, 3, 0, out, bytes - 1), PP_ERROR_BUFFER_TOO_SMALL,
              "the tensor needs 2304");
  CHECK_FAILS(pp_pipeline_run(p, rgb, h, w, 3, 0, out, 0), PP_ERROR_BUFFER_TOO_SMALL, "has 0 bytes");
  CHECK_FAILS(pp_pipeline_run(NULL, rgb, h, w, 3, 0, out, bytes), PP_ERROR_INVALID_ARGUMENT, "'p' is NULL");
  CHECK_FAILS(pp_pipeline_run(p, NULL, h, w, 3, 0, out, bytes), PP_ERROR_INVALID_ARGUMENT, "'pixels' is NULL");
  CHECK_FAILS(pp_pipeline_run(p, rgb, h, w, 3, 0, NULL, bytes), PP_ERROR_INVALID_ARGUMENT, "'out' is NULL");
  CHECK_FAILS(pp_pipeline_run(p, rgb, h, w, 3, 0, out + 1, bytes), PP_ERROR_INVALID_ARGUMENT,
              "is not aligned to 4 bytes");
  CHECK_FAILS(pp_pipeline_run(p, rgb, 0, w, 3, 0, out, bytes), PP_ERROR_INVALID_ARGUMENT, "image is empty");
  CHECK_FAILS(pp_pipeline_run(p, rgb, h, -5, 3, 0, out, bytes), PP_ERROR_INVALID_ARGUMENT, "image is empty");
  CHECK_FAILS(pp_pipeline_run(p, rgb, 2000000, w, 3, 0, out, bytes), PP_ERROR_INVALID_ARGUMENT,
              "limited to 1048576");
  CHECK_FAILS(pp_pipeline_run_strided(p, rgb, h, w, 1, w * 3, 3, 1, out, bytes), PP_ERROR_INVALID_ARGUMENT,
              "needs 3 channel(s), the image has 1");
  CHECK_FAILS(pp_pipeline_run_strided(NULL, rgb, h, w, 3, w * 3, 3, 1, out, bytes), PP_ERROR_INVALID_ARGUMENT,
              "pp_pipeline_run_strided: argument 'p' is NULL");
  CHECK_FAILS(pp_pipeline_run_strided(p, rgb, h, w, 3, w * 3, 3, 1, out, 8), PP_ERROR_BUFFER_TOO_SMALL,
              "has 8 bytes");
  /* No failure wrote a byte. */
  int untouched = 1;
  for (size_t i = 0; i < bytes + 64; ++i) untouched &= out[i] == 0xAB;
  CHECK(untouched);
  free(out);
  free(rgb);
  pp_pipeline_destroy(p);
}

static void test_strides(void) {
  pp_pipeline* p = make_pipeline(kContract);
  if (!p) return;
  const int h = 23, w = 37;
  uint8_t* rgb = noise(h, w, 3, 2);
  size_t bytes;
  float* expected = run_packed(p, rgb, h, w, 3, &bytes);
  float* got = malloc(bytes);

  /* Padded rows inside a larger buffer. */
  const ptrdiff_t padded_stride = w * 3 + 13;
  uint8_t* padded = calloc((size_t)h * (size_t)padded_stride, 1);
  for (int y = 0; y < h; ++y) memcpy(padded + y * padded_stride, rgb + y * w * 3, (size_t)w * 3);
  memset(got, 0, bytes);
  CHECK(pp_pipeline_run(p, padded, h, w, 3, padded_stride, got, bytes) == PP_OK);
  CHECK(memcmp(got, expected, bytes) == 0);

  /* A negative row stride: the rows of a bottom-up buffer, read top-down. */
  uint8_t* flipped = malloc((size_t)h * (size_t)w * 3);
  for (int y = 0; y < h; ++y) memcpy(flipped + (h - 1 - y) * w * 3, rgb + y * w * 3, (size_t)w * 3);
  memset(got, 0, bytes);
  CHECK(pp_pipeline_run(p, flipped + (h - 1) * w * 3, h, w, 3, -(ptrdiff_t)w * 3, got, bytes) == PP_OK);
  CHECK(memcmp(got, expected, bytes) == 0);

  /* Planar channels (RRR..GGG..BBB..) through the strided entry. */
  uint8_t* planar = malloc((size_t)h * (size_t)w * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) planar[c * h * w + y * w + x] = rgb[(y * w + x) * 3 + c];
  memset(got, 0, bytes);
  CHECK(pp_pipeline_run_strided(p, planar, h, w, 3, w, 1, (ptrdiff_t)h * w, got, bytes) == PP_OK);
  CHECK(memcmp(got, expected, bytes) == 0);

  /* BGR memory read as RGB: channel stride -1 from the last byte of each pixel. */
  uint8_t* bgr = malloc((size_t)h * (size_t)w * 3);
  for (size_t i = 0; i < (size_t)h * w; ++i)
    for (int c = 0; c < 3; ++c) bgr[i * 3 + c] = rgb[i * 3 + 2 - c];
  memset(got, 0, bytes);
  CHECK(pp_pipeline_run_strided(p, bgr + 2, h, w, 3, w * 3, 3, -1, got, bytes) == PP_OK);
  CHECK(memcmp(got, expected, bytes) == 0);

  free(bgr);
  free(planar);
  free(flipped);
  free(padded);
  free(got);
  free(expected);
  free(rgb);
  pp_pipeline_destroy(p);
}

static void test_batch(void) {
  pp_pipeline* p = make_pipeline(kContract);
  if (!p) return;
  const int heights[3] = {30, 41, 20};
  const int widths[3] = {40, 33, 20};
  const uint8_t* images[3];
  uint8_t* owned[3];
  for (int i = 0; i < 3; ++i) images[i] = owned[i] = noise(heights[i], widths[i], 3, 10u + (unsigned)i);
  const size_t each = bytes_for(p, 30, 40);
  unsigned char* out = malloc(3 * each);
  CHECK(pp_pipeline_run_batch(p, 3, images, heights, widths, 3, NULL, out, 3 * each) == PP_OK);
  for (int i = 0; i < 3; ++i) {
    size_t bytes;
    void* single = run_packed(p, images[i], heights[i], widths[i], 3, &bytes);
    CHECK(bytes == each && memcmp(out + (size_t)i * each, single, each) == 0);
    free(single);
  }
  /* Explicit row strides (0 = packed). */
  const ptrdiff_t strides[3] = {40 * 3, 0, 20 * 3};
  unsigned char* again = malloc(3 * each);
  CHECK(pp_pipeline_run_batch(p, 3, images, heights, widths, 3, strides, again, 3 * each) == PP_OK);
  CHECK(memcmp(again, out, 3 * each) == 0);

  memset(again, 0xAB, 3 * each);
  CHECK_FAILS(pp_pipeline_run_batch(p, 3, images, heights, widths, 3, NULL, again, 3 * each - 1),
              PP_ERROR_BUFFER_TOO_SMALL, "the batch of 3 tensors needs 6912");
  CHECK_FAILS(pp_pipeline_run_batch(p, 0, images, heights, widths, 3, NULL, again, 3 * each),
              PP_ERROR_INVALID_ARGUMENT, "count must be at least 1");
  CHECK_FAILS(pp_pipeline_run_batch(p, 3, images, heights, widths, 4, NULL, again, 3 * each),
              PP_ERROR_INVALID_ARGUMENT, "needs 3 channel(s), the images have 4");
  CHECK_FAILS(pp_pipeline_run_batch(NULL, 3, images, heights, widths, 3, NULL, again, 3 * each),
              PP_ERROR_INVALID_ARGUMENT, "'p' is NULL");
  CHECK_FAILS(pp_pipeline_run_batch(p, 3, NULL, heights, widths, 3, NULL, again, 3 * each),
              PP_ERROR_INVALID_ARGUMENT, "'pixels' is NULL");
  CHECK_FAILS(pp_pipeline_run_batch(p, 3, images, NULL, widths, 3, NULL, again, 3 * each),
              PP_ERROR_INVALID_ARGUMENT, "'heights' is NULL");
  CHECK_FAILS(pp_pipeline_run_batch(p, 3, images, heights, NULL, 3, NULL, again, 3 * each),
              PP_ERROR_INVALID_ARGUMENT, "'widths' is NULL");
  CHECK_FAILS(pp_pipeline_run_batch(p, 3, images, heights, widths, 3, NULL, NULL, 3 * each),
              PP_ERROR_INVALID_ARGUMENT, "'out' is NULL");
  const uint8_t* with_null[3] = {images[0], NULL, images[2]};
  CHECK_FAILS(pp_pipeline_run_batch(p, 3, with_null, heights, widths, 3, NULL, again, 3 * each),
              PP_ERROR_INVALID_ARGUMENT, "pixels[1] is NULL");
  const int bad_heights[3] = {30, 0, 20};
  CHECK_FAILS(pp_pipeline_run_batch(p, 3, images, bad_heights, widths, 3, NULL, again, 3 * each),
              PP_ERROR_INVALID_ARGUMENT, "image 1: size 0x33 is out of range");
  int untouched = 1;
  for (size_t i = 0; i < 3 * each; ++i) untouched &= again[i] == 0xAB;
  CHECK(untouched);
  CHECK_FAILS(pp_pipeline_run_batch_threads(p, 3, images, heights, widths, 3, NULL, -1, again, 3 * each),
              PP_ERROR_INVALID_ARGUMENT, "threads must be >= 0");
  /* Every thread count gives the same batch. */
  const int thread_counts[4] = {0, 1, 2, 7};
  for (int t = 0; t < 4; ++t) {
    memset(again, 0xAB, 3 * each);
    CHECK(pp_pipeline_run_batch_threads(p, 3, images, heights, widths, 3, NULL, thread_counts[t], again,
                                        3 * each) == PP_OK);
    CHECK(memcmp(again, out, 3 * each) == 0);
  }
  pp_pipeline_destroy(p);

  /* One large image split across threads: the bytes of one thread. */
  p = make_pipeline(kContract);
  if (p) {
    const int h = 900, w = 1200;
    uint8_t* large = noise(h, w, 3, 77u);
    size_t bytes;
    void* single = run_packed(p, large, h, w, 3, &bytes);
    void* split = malloc(bytes);
    for (int t = 0; t < 4; ++t) {
      memset(split, 0xAB, bytes);
      CHECK(pp_pipeline_run_threads(p, large, h, w, 3, (ptrdiff_t)w * 3, 3, 1, thread_counts[t], split, bytes) ==
            PP_OK);
      CHECK(memcmp(split, single, bytes) == 0);
    }
    CHECK_FAILS(pp_pipeline_run_threads(p, large, h, w, 3, (ptrdiff_t)w * 3, 3, 1, -1, split, bytes),
                PP_ERROR_INVALID_ARGUMENT, "threads must be >= 0");
    free(split);
    free(single);
    free(large);
    pp_pipeline_destroy(p);
  }

  /* Without a crop, different input sizes give different shapes. */
  p = make_pipeline("{\"pixelpact\": 1, \"input\": {\"color\": \"RGB\"}, \"steps\": [],"
                    " \"output\": {\"layout\": \"CHW\", \"dtype\": \"uint8\", \"color\": \"RGB\"}}");
  if (p) {
    CHECK_FAILS(pp_pipeline_run_batch(p, 3, images, heights, widths, 3, NULL, again, 3 * each),
                PP_ERROR_INVALID_ARGUMENT, "image 1 (41x33) gives a tensor of another shape than image 0 (30x40)");
    pp_pipeline_destroy(p);
  }
  for (int i = 0; i < 3; ++i) free(owned[i]);
  free(again);
  free(out);
}

/* pp_last_error() is per thread: a failure on another thread does not touch ours. */
static void* fail_on_other_thread(void* arg) {
  pp_pipeline* p = NULL;
  pp_status s = pp_pipeline_create("not json", PP_NUL_TERMINATED, &p);
  int ok = s == PP_ERROR_INVALID_CONTRACT && strstr(pp_last_error(), "not valid JSON") != NULL;
  *(int*)arg = ok;
  return NULL;
}

static void test_thread_local_errors(void) {
  pp_pipeline* p = NULL;
  CHECK_FAILS(pp_pipeline_create(NULL, 0, &p), PP_ERROR_INVALID_ARGUMENT, "'contract_json' is NULL");
  int other_ok = 0;
  pthread_t t;
  CHECK(pthread_create(&t, NULL, fail_on_other_thread, &other_ok) == 0);
  pthread_join(t, NULL);
  CHECK(other_ok);
  CHECK(strstr(pp_last_error(), "'contract_json' is NULL") != NULL);
  /* Successful calls leave the last error as it was. */
  p = make_pipeline(kContract);
  CHECK(strstr(pp_last_error(), "'contract_json' is NULL") != NULL);
  pp_pipeline_destroy(p);
}

/* One pipeline shared by several threads, all running at once. */
typedef struct {
  const pp_pipeline* p;
  const uint8_t* image;
  const void* expected;
  size_t bytes;
  int ok;
} shared_run;

static void* run_many(void* arg) {
  shared_run* job = arg;
  void* out = malloc(job->bytes);
  job->ok = 1;
  for (int i = 0; i < 25; ++i) {
    memset(out, 0, job->bytes);
    if (pp_pipeline_run(job->p, job->image, 64, 48, 3, 0, out, job->bytes) != PP_OK ||
        memcmp(out, job->expected, job->bytes) != 0)
      job->ok = 0;
  }
  free(out);
  return NULL;
}

static void test_shared_across_threads(void) {
  pp_pipeline* p = make_pipeline(kContract);
  if (!p) return;
  uint8_t* rgb = noise(64, 48, 3, 3);
  size_t bytes;
  void* expected = run_packed(p, rgb, 64, 48, 3, &bytes);
  shared_run jobs[4];
  pthread_t threads[4];
  for (int i = 0; i < 4; ++i) {
    jobs[i] = (shared_run){p, rgb, expected, bytes, 0};
    CHECK(pthread_create(&threads[i], NULL, run_many, &jobs[i]) == 0);
  }
  for (int i = 0; i < 4; ++i) {
    pthread_join(threads[i], NULL);
    CHECK(jobs[i].ok);
  }
  free(expected);
  free(rgb);
  pp_pipeline_destroy(p);
}

static const char* descr_of(pp_dtype dtype) {
  switch (dtype) {
    case PP_DTYPE_UINT8: return "|u1";
    case PP_DTYPE_FLOAT16: return "<f2";
    case PP_DTYPE_FLOAT32: return "<f4";
  }
  return "?";
}

/* Every conformance case through the C ABI: same shape, dtype and bytes. */
static void test_conformance(void) {
  DIR* dir = opendir(g_conformance_dir);
  CHECK(dir != NULL);
  if (!dir) return;
  int cases = 0, failed = 0;
  struct dirent* entry;
  while ((entry = readdir(dir)) != NULL) {
    size_t len = strlen(entry->d_name);
    if (len < 6 || strcmp(entry->d_name + len - 5, ".json") != 0) continue;
    char name[512], path[4096];
    snprintf(name, sizeof name, "%.*s", (int)(len - 5), entry->d_name);
    ++cases;
    int ok = 0;
    pp_pipeline* p = NULL;
    npy input, expected;
    snprintf(path, sizeof path, "%s/%s.json", g_conformance_dir, name);
    pp_status s = pp_pipeline_create_from_file(path, &p);
    snprintf(path, sizeof path, "%s/%s_input.npy", g_conformance_dir, name);
    int have_input = read_npy(path, &input);
    snprintf(path, sizeof path, "%s/%s_expected.npy", g_conformance_dir, name);
    int have_expected = read_npy(path, &expected);
    if (s != PP_OK) {
      printf("  %s: %s\n", name, pp_last_error());
    } else if (!have_input || !have_expected) {
      printf("  %s: cannot read the .npy files\n", name);
    } else {
      const int h = (int)input.shape[0], w = (int)input.shape[1];
      const int c = input.ndim == 3 ? (int)input.shape[2] : 1;
      int64_t shape[4];
      int ndim = 0;
      pp_dtype dtype;
      size_t bytes = 0;
      void* out = NULL;
      ok = pp_pipeline_output_shape(p, h, w, shape, &ndim) == PP_OK && ndim == expected.ndim &&
           pp_pipeline_output_dtype(p, &dtype) == PP_OK && strcmp(descr_of(dtype), expected.descr) == 0 &&
           pp_pipeline_output_bytes(p, h, w, &bytes) == PP_OK && bytes == expected.bytes;
      for (int i = 0; ok && i < ndim; ++i) ok = shape[i] == expected.shape[i];
      if (ok) {
        out = malloc(bytes);
        ok = pp_pipeline_run(p, input.data, h, w, c, 0, out, bytes) == PP_OK &&
             memcmp(out, expected.data, bytes) == 0;
      }
      if (!ok) printf("  %s: output differs from the expected tensor (%s)\n", name, pp_last_error());
      free(out);
    }
    free(input.file);
    free(expected.file);
    pp_pipeline_destroy(p);
    if (!ok) ++failed;
  }
  closedir(dir);
  printf("  %d conformance cases through the C API, %d failed\n", cases, failed);
  CHECK(cases > 0);
  CHECK(failed == 0);
}

/* ---- issue 17: hostile contracts, overlapping strides, scratch memory ---- */

/* '[' x n then ']' x n inside prefix ... suffix, in a new buffer. */
static char* nested(const char* prefix, int n, const char* suffix) {
  size_t a = strlen(prefix), b = strlen(suffix);
  char* text = malloc(a + 2 * (size_t)n + b + 1);
  memcpy(text, prefix, a);
  memset(text + a, '[', (size_t)n);
  memset(text + a + n, ']', (size_t)n);
  memcpy(text + a + 2 * (size_t)n, suffix, b + 1);
  return text;
}

static void test_hostile_contracts(void) {
  /* 70,000 levels used to overflow the stack while describing the value. */
  const char* places[][2] = {{"", ""}, {"{\"pixelpact\": ", "}"}, {"{\"pixelpact\": 1, \"name\": ", "}"},
                             {"{\"pixelpact\": 1, \"input\": {\"color\": ", "}}"},
                             {"{\"pixelpact\": 1, \"input\": {\"color\": \"RGB\"}, \"steps\": [", "]}"}};
  const char* pointers[] = {"/0/0", "/pixelpact/0/0", "/name/0/0", "/input/color/0/0", "/steps/0/0"};
  for (int i = 0; i < 5; ++i) {
    char* text = nested(places[i][0], 70000, places[i][1]);
    pp_pipeline* p = NULL;
    CHECK_FAILS(pp_pipeline_create(text, PP_NUL_TERMINATED, &p), PP_ERROR_INVALID_CONTRACT, "nest deeper than 64");
    CHECK(p == NULL);
    CHECK(strncmp(pp_last_error_path(), pointers[i], strlen(pointers[i])) == 0);
    free(text);
  }
  /* A number beyond double range is the document's fault, with its place. */
  pp_pipeline* p = NULL;
  CHECK_FAILS(pp_pipeline_create("{\"pixelpact\": 1e400}", PP_NUL_TERMINATED, &p), PP_ERROR_INVALID_CONTRACT,
              "number out of range");
  CHECK(strcmp(pp_last_error_path(), "/pixelpact") == 0);
  CHECK_FAILS(pp_pipeline_create("{\"pixelpact\": 1, \"input\": {\"color\": \"RGB\"}, \"steps\": [{\"op\": \"to_float\","
                                 " \"dtype\": \"float32\"}, {\"op\": \"mul\", \"value\": -2e999}]}",
                                 PP_NUL_TERMINATED, &p),
              PP_ERROR_INVALID_CONTRACT, "number out of range");
  CHECK(strcmp(pp_last_error_path(), "/steps/1/value") == 0);
}

static void test_overlapping_pixels(void) {
  /* A sliding-window view: byte (y, x, c) at y * 18 + x + c. The AVX-512 writer
     used to read channel 0 for every channel. */
  uint8_t px[18];
  for (int i = 0; i < 18; ++i) px[i] = (uint8_t)(i * 10);
  pp_pipeline* p = make_pipeline("{\"pixelpact\": 1, \"input\": {\"color\": \"RGB\"}, \"steps\": [],"
                                 " \"output\": {\"layout\": \"HWC\", \"dtype\": \"uint8\", \"color\": \"RGB\"}}");
  uint8_t out[16 * 3];
  CHECK(pp_pipeline_run_strided(p, px, 1, 16, 3, 18, 1, 1, out, sizeof out) == PP_OK);
  for (int x = 0; x < 16; ++x)
    for (int c = 0; c < 3; ++c) CHECK(out[x * 3 + c] == px[x + c]);
  pp_pipeline_destroy(p);
}

static void test_output_overlapping_the_images(void) {
  /* out= inside the images' own bytes: every tensor must be the one of an
     untouched copy. The batch used to run image by image, so the first tensor
     overwrote the pixels of the next (found by fuzz_run_shape). */
  pp_pipeline* p = make_pipeline("{\"pixelpact\": 1, \"input\": {\"color\": \"RGB\"}, \"steps\": ["
                                 "{\"op\": \"resize\", \"size\": [6, 5], \"interpolation\": \"bilinear\","
                                 " \"engine\": \"pillow\"}], \"output\": {\"layout\": \"CHW\", \"dtype\":"
                                 " \"uint8\", \"color\": \"BGR\"}}");
  if (!p) return;
  uint8_t* img = noise(9, 8, 3, 11);
  uint8_t expected[90], buffer[3 * 90]; /* the image's 216 bytes, then room for the batch */
  const uint8_t* images[3] = {buffer, buffer, buffer};
  const int heights[3] = {9, 9, 9}, widths[3] = {8, 8, 8};
  CHECK(pp_pipeline_run(p, img, 9, 8, 3, 0, expected, 90) == PP_OK);
  memcpy(buffer, img, 9 * 8 * 3);
  CHECK(pp_pipeline_run(p, buffer, 9, 8, 3, 0, buffer, 90) == PP_OK);
  CHECK(memcmp(buffer, expected, 90) == 0);
  memcpy(buffer, img, 9 * 8 * 3);
  CHECK(pp_pipeline_run_batch(p, 3, images, heights, widths, 3, NULL, buffer, 3 * 90) == PP_OK);
  for (int i = 0; i < 3; ++i) CHECK(memcmp(buffer + i * 90, expected, 90) == 0);
  free(img);
  pp_pipeline_destroy(p);
}

static void test_memory_limits(void) {
  /* A 10x10 image made 30000x30000 (2.7 GB) is refused before allocating. */
  pp_pipeline* p = make_pipeline(
      "{\"pixelpact\": 1, \"input\": {\"color\": \"RGB\"}, \"steps\": ["
      "{\"op\": \"resize\", \"size\": [30000, 30000], \"interpolation\": \"nearest\", \"engine\": \"pillow\"},"
      "{\"op\": \"resize\", \"size\": [8, 8], \"interpolation\": \"bilinear\", \"engine\": \"pillow\"}],"
      " \"output\": {\"layout\": \"HWC\", \"dtype\": \"uint8\", \"color\": \"RGB\"}}");
  uint8_t* img = noise(10, 10, 3, 5);
  uint8_t out[8 * 8 * 3];
  CHECK_FAILS(pp_pipeline_run(p, img, 10, 10, 3, 0, out, sizeof out), PP_ERROR_INVALID_ARGUMENT,
              "max_intermediate_bytes");
  pp_pipeline_destroy(p);
  /* A tensor beyond 2^28 elements is refused by the shape query itself. */
  p = make_pipeline("{\"pixelpact\": 1, \"input\": {\"color\": \"RGB\"}, \"steps\": ["
                    "{\"op\": \"resize\", \"size\": [20000, 20000], \"interpolation\": \"nearest\","
                    " \"engine\": \"pillow\"}], \"output\": {\"layout\": \"HWC\", \"dtype\": \"uint8\","
                    " \"color\": \"RGB\"}}");
  size_t bytes = 0;
  CHECK_FAILS(pp_pipeline_output_bytes(p, 10, 10, &bytes), PP_ERROR_INVALID_ARGUMENT, "max_output_elements");
  CHECK_FAILS(pp_pipeline_run(p, img, 10, 10, 3, 0, out, sizeof out), PP_ERROR_INVALID_ARGUMENT,
              "max_output_elements");
  pp_pipeline_destroy(p);

  /* Limits chosen by the caller: the same contracts, other answers. */
  const char* e1 = "{\"pixelpact\": 1, \"input\": {\"color\": \"RGB\"}, \"steps\": ["
                   "{\"op\": \"resize\", \"size\": [8, 8], \"interpolation\": \"bilinear\", \"engine\": \"pillow\"}],"
                   " \"output\": {\"layout\": \"HWC\", \"dtype\": \"uint8\", \"color\": \"RGB\"}}";
  p = NULL;
  CHECK(pp_pipeline_create_with_limits(e1, PP_NUL_TERMINATED, 8 * 8 * 3, 0, &p) == PP_OK);
  CHECK(pp_pipeline_output_bytes(p, 10, 10, &bytes) == PP_OK && bytes == 8 * 8 * 3);
  CHECK(pp_pipeline_run(p, img, 10, 10, 3, 0, out, sizeof out) == PP_OK);
  pp_pipeline_destroy(p);
  p = NULL;
  CHECK(pp_pipeline_create_with_limits(e1, PP_NUL_TERMINATED, 8 * 8 * 3 - 1, 0, &p) == PP_OK);
  CHECK_FAILS(pp_pipeline_output_bytes(p, 10, 10, &bytes), PP_ERROR_INVALID_ARGUMENT, "max_output_elements");
  pp_pipeline_destroy(p);
  p = NULL; /* the horizontal pass's 10 x 8 x 3 bytes are over 200 */
  CHECK(pp_pipeline_create_with_limits(e1, PP_NUL_TERMINATED, 0, 200, &p) == PP_OK);
  CHECK_FAILS(pp_pipeline_run(p, img, 10, 10, 3, 0, out, sizeof out), PP_ERROR_INVALID_ARGUMENT,
              "max_intermediate_bytes");
  pp_pipeline_destroy(p);
  p = (pp_pipeline*)&p;
  CHECK_FAILS(pp_pipeline_create_with_limits(e1, PP_NUL_TERMINATED, -1, 0, &p), PP_ERROR_INVALID_ARGUMENT,
              ">= 0");
  CHECK(p == NULL);
  CHECK_FAILS(pp_pipeline_create_with_limits(NULL, 3, 0, 0, &p), PP_ERROR_INVALID_ARGUMENT,
              "pp_pipeline_create_with_limits: argument 'contract_json' is NULL");
  /* 0 = no limit: the shape query of a 2.7 GB tensor answers. */
  p = NULL;
  CHECK(pp_pipeline_create_with_limits("{\"pixelpact\": 1, \"input\": {\"color\": \"RGB\"}, \"steps\": ["
                                       "{\"op\": \"resize\", \"size\": [20000, 20000], \"interpolation\": \"nearest\","
                                       " \"engine\": \"pillow\"}], \"output\": {\"layout\": \"HWC\", \"dtype\":"
                                       " \"uint8\", \"color\": \"RGB\"}}",
                                       PP_NUL_TERMINATED, 0, 0, &p) == PP_OK);
  CHECK(pp_pipeline_output_bytes(p, 10, 10, &bytes) == PP_OK && bytes == (size_t)20000 * 20000 * 3);
  pp_pipeline_destroy(p);
  free(img);
}

/* A 3x2 RGB PNG whose pixels are 0, 13, 26, ... 221 in row order. */
static const unsigned char kPng[] = {
    0x89, 0x50, 0x4e, 0x47, 0xd, 0xa, 0x1a, 0xa, 0x0, 0x0, 0x0, 0xd, 0x49, 0x48, 0x44, 0x52, 0x0, 0x0, 0x0,
    0x3, 0x0, 0x0, 0x0, 0x2, 0x8, 0x2, 0x0, 0x0, 0x0, 0x12, 0x16, 0xf1, 0x4d, 0x0, 0x0, 0x0, 0x1c, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60, 0xe0, 0x95, 0x52, 0x37, 0x71, 0xf4, 0x8b, 0xce, 0x60, 0x28,
    0x6d, 0xea, 0x9f, 0xb3, 0x72, 0xdb, 0xe1, 0xb, 0x77, 0x1, 0x33, 0x1d, 0x7, 0xc6, 0x3d, 0x5e, 0x59,
    0xa1, 0x0, 0x0, 0x0, 0x0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

static void test_encoded(void) {
  pp_pipeline* p = make_pipeline(kContract);
  if (!p) return;
  const char* decoders = pp_decoders();
  CHECK(decoders != NULL && strstr(decoders, "PNG: ") != NULL);
  pp_image_info info;
  size_t bytes = bytes_for(p, 2, 3);
  float* out = malloc(bytes);
  float* expected = malloc(bytes);
  if (strstr(decoders, "PNG: not compiled in") != NULL) {
    CHECK_FAILS(pp_pipeline_run_encoded(p, kPng, sizeof kPng, out, bytes), PP_ERROR_UNSUPPORTED, "not compiled");
  } else {
    CHECK(pp_pipeline_image_info(p, kPng, sizeof kPng, &info) == PP_OK);
    CHECK(info.height == 2 && info.width == 3 && info.stored_height == 2 && info.stored_width == 3);
    CHECK(info.orientation == 1 && strcmp(info.format, "png") == 0);
    uint8_t pixels[18];
    for (int i = 0; i < 18; ++i) pixels[i] = (uint8_t)(13 * i);
    CHECK(pp_pipeline_run(p, pixels, 2, 3, 3, 0, expected, bytes) == PP_OK);
    CHECK(pp_pipeline_run_encoded(p, kPng, sizeof kPng, out, bytes) == PP_OK);
    CHECK(memcmp(out, expected, bytes) == 0);
    CHECK_FAILS(pp_pipeline_run_encoded(p, kPng, sizeof kPng, out, bytes - 1), PP_ERROR_BUFFER_TOO_SMALL,
                "the tensor needs");
    CHECK_FAILS(pp_pipeline_run_encoded(p, kPng, 40, out, bytes), PP_ERROR_INVALID_ARGUMENT, "truncated");
  }
  CHECK_FAILS(pp_pipeline_run_encoded(p, "GIF89a", 6, out, bytes), PP_ERROR_INVALID_ARGUMENT, "not a JPEG or PNG");
  CHECK_FAILS(pp_pipeline_run_encoded(p, kPng, 0, out, bytes), PP_ERROR_INVALID_ARGUMENT, "0 bytes");
  CHECK_FAILS(pp_pipeline_run_encoded(NULL, kPng, sizeof kPng, out, bytes), PP_ERROR_INVALID_ARGUMENT, "'p' is NULL");
  CHECK_FAILS(pp_pipeline_run_encoded(p, NULL, 5, out, bytes), PP_ERROR_INVALID_ARGUMENT, "'data' is NULL");
  CHECK_FAILS(pp_pipeline_run_encoded(p, kPng, sizeof kPng, NULL, bytes), PP_ERROR_INVALID_ARGUMENT, "'out' is NULL");
  CHECK_FAILS(pp_pipeline_image_info(p, kPng, sizeof kPng, NULL), PP_ERROR_INVALID_ARGUMENT, "'info' is NULL");
  CHECK_FAILS(pp_pipeline_image_info(NULL, kPng, sizeof kPng, &info), PP_ERROR_INVALID_ARGUMENT, "'p' is NULL");
  free(out);
  free(expected);
  pp_pipeline_destroy(p);
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s CONFORMANCE_DIR\n", argv[0]);
    return 2;
  }
  g_conformance_dir = argv[1];
  run_case("version", test_version);
  run_case("status names and dtype sizes", test_names_and_sizes);
  run_case("create and describe", test_create_and_describe);
  run_case("create errors", test_create_errors);
  run_case("create from file", test_create_from_file);
  run_case("query errors", test_query_errors);
  run_case("run errors", test_run_errors);
  run_case("strides", test_strides);
  run_case("batch", test_batch);
  run_case("thread-local errors", test_thread_local_errors);
  run_case("one pipeline shared across threads", test_shared_across_threads);
  run_case("conformance", test_conformance);
  run_case("hostile contracts", test_hostile_contracts);
  run_case("overlapping pixels", test_overlapping_pixels);
  run_case("output overlapping the images", test_output_overlapping_the_images);
  run_case("memory limits", test_memory_limits);
  run_case("encoded images", test_encoded);
  printf("%d passed, %d failed\n", g_cases - g_failed_cases, g_failed_cases);
  return g_failed_cases == 0 ? 0 : 1;
}
