/* pixelpact-run-raw: run a contract on a raw image file, in plain C.
 *
 *   pixelpact-run-raw CONTRACT.json IMAGE.raw HEIGHT WIDTH OUT.npy
 *
 * IMAGE.raw holds HEIGHT x WIDTH pixels, rows top to bottom, each pixel as many
 * bytes as the contract's input color has channels (R,G,B for "RGB"), with no
 * header, e.g. from `convert photo.jpg -depth 8 rgb:photo.raw` or
 * `ffmpeg -i photo.jpg -pix_fmt rgb24 -f rawvideo photo.raw`.
 * OUT.npy receives the tensor (load it with numpy.load). */
#include <pixelpact/pixelpact.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(const char* what) {
  fprintf(stderr, "pixelpact-run-raw: %s\n", what);
  return 1;
}

/* .npy format 1.0: magic, version, header length, a Python dict padded to 64 bytes. */
static int write_npy(const char* path, pp_dtype dtype, const int64_t* shape, int ndim, const void* data,
                     size_t bytes) {
  const char* descr = dtype == PP_DTYPE_UINT8 ? "|u1" : dtype == PP_DTYPE_FLOAT16 ? "<f2" : "<f4";
  char dims[128] = "";
  for (int i = 0; i < ndim; ++i) {
    size_t used = strlen(dims);
    snprintf(dims + used, sizeof dims - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
  }
  char header[256];
  int n = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (%s%s), }", descr,
                   dims, ndim == 1 ? "," : "");
  while ((10 + n + 1) % 64 != 0) header[n++] = ' ';
  header[n++] = '\n';
  FILE* f = fopen(path, "wb");
  if (!f) return 0;
  const unsigned char preamble[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(n & 0xFF),
                                      (unsigned char)(n >> 8)};
  int ok = fwrite(preamble, 1, 10, f) == 10 && fwrite(header, 1, (size_t)n, f) == (size_t)n &&
           fwrite(data, 1, bytes, f) == bytes;
  return fclose(f) == 0 && ok;
}

int main(int argc, char** argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s CONTRACT.json IMAGE.raw HEIGHT WIDTH OUT.npy\n", argv[0]);
    return 2;
  }
  const int height = atoi(argv[3]), width = atoi(argv[4]);

  pp_pipeline* pipe = NULL;
  if (pp_pipeline_create_from_file(argv[1], &pipe) != PP_OK) return fail(pp_last_error());
  int channels = 0;
  pp_dtype dtype = PP_DTYPE_FLOAT32;
  int64_t shape[4];
  int ndim = 0;
  size_t bytes = 0;
  if (pp_pipeline_input_channels(pipe, &channels) != PP_OK || pp_pipeline_output_dtype(pipe, &dtype) != PP_OK ||
      pp_pipeline_output_shape(pipe, height, width, shape, &ndim) != PP_OK ||
      pp_pipeline_output_bytes(pipe, height, width, &bytes) != PP_OK) {
    fail(pp_last_error());
    pp_pipeline_destroy(pipe);
    return 1;
  }

  /* Read the raw pixels; their size must be exactly height x width x channels. */
  const size_t expected = (size_t)height * (size_t)width * (size_t)channels;
  unsigned char* pixels = malloc(expected + 1);
  FILE* f = fopen(argv[2], "rb");
  size_t got = f && pixels ? fread(pixels, 1, expected + 1, f) : 0;
  if (f) fclose(f);
  void* tensor = malloc(bytes);
  int status = 1;
  if (!f) {
    fail("cannot open the image file");
  } else if (got != expected) {
    fprintf(stderr, "pixelpact-run-raw: %s has %s%zu bytes, %dx%dx%d needs %zu\n", argv[2],
            got > expected ? "more than " : "", got > expected ? expected : got, height, width, channels, expected);
  } else if (!tensor) {
    fail("out of memory");
  } else if (pp_pipeline_run(pipe, pixels, height, width, channels, 0, tensor, bytes) != PP_OK) {
    fail(pp_last_error());
  } else if (!write_npy(argv[5], dtype, shape, ndim, tensor, bytes)) {
    fail("cannot write the output file");
  } else {
    printf("%s: %dx%d -> (", pp_pipeline_name(pipe), height, width);
    for (int i = 0; i < ndim; ++i) printf(i ? ", %lld" : "%lld", (long long)shape[i]);
    printf(") %s, %zu bytes\n", pp_dtype_size(dtype) == 1 ? "uint8" : pp_dtype_size(dtype) == 2 ? "float16" : "float32",
           bytes);
    status = 0;
  }
  free(tensor);
  free(pixels);
  pp_pipeline_destroy(pipe);
  return status;
}
