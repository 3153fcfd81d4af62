/* pixelpact.h: the C API of pixelpact (C11, callable from any language with a C FFI).
 *
 * A preprocessing contract (JSON text, see schema/pixelpact.schema.json) states
 * exactly how an 8-bit image becomes a model input tensor. This API compiles a
 * contract once into a pipeline handle and runs it on images, writing the tensor
 * into a buffer the caller owns. It is a thin layer over the C++ API
 * (pixelpact.hpp): the same kernel, the same bytes.
 *
 *   pp_pipeline* p = NULL;
 *   if (pp_pipeline_create(json, PP_NUL_TERMINATED, &p) != PP_OK) {
 *     fprintf(stderr, "%s\n", pp_last_error());
 *     return 1;
 *   }
 *   size_t bytes;
 *   pp_pipeline_output_bytes(p, height, width, &bytes);
 *   float* out = malloc(bytes);                      // float32 contracts
 *   pp_pipeline_run(p, rgb, height, width, 3, 0, out, bytes);
 *   pp_pipeline_destroy(p);
 *
 * Conventions, for every function below:
 * - Errors: functions return a pp_status; PP_OK (0) is success. On failure the
 *   calling thread's pp_last_error() names the problem and nothing is written to
 *   output parameters other than a NULL handle. Every argument is checked before
 *   any tensor byte is written, so only PP_ERROR_INTERNAL (e.g. out of memory
 *   while running) can leave an output buffer partly written.
 *   No C++ exception ever crosses this API and the library never aborts the
 *   process or prints.
 * - Null pointers where a pointer is required give PP_ERROR_INVALID_ARGUMENT.
 * - Ownership: the caller owns every buffer it passes (contract text, pixels,
 *   output); the library reads or writes them only during the call and keeps no
 *   pointer to them. A pipeline handle is owned by the caller and released with
 *   pp_pipeline_destroy(). Strings returned by the library are owned by it.
 * - Threads: a pipeline is immutable after creation; any number of threads may
 *   use the same handle at once (query and run). It must not be destroyed while
 *   another thread uses it.
 * - ABI: handles are opaque and enums have fixed values. One struct crosses this
 *   API, pp_geometry, filled in by the library; its layout is fixed (new fields
 *   would come with a new function), so later versions can add functions without
 *   breaking compiled callers.
 * - Units: sizes are in pixels (int), strides and buffer sizes in bytes.
 *   Images are 8 bits per channel, pixel (0, 0) channel 0 at the pixel pointer.
 */
#ifndef PIXELPACT_H
#define PIXELPACT_H

#include <stddef.h>
#include <stdint.h>

#include "pixelpact/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A compiled contract. Opaque; create with pp_pipeline_create*(), release with
 * pp_pipeline_destroy(). Mirrors pixelpact::Pipeline (C++) and pixelpact.Pipeline
 * (Python). */
typedef struct pp_pipeline pp_pipeline;

/* Result of every call that can fail. Values are fixed; new codes may be added
 * at the end, so treat unknown non-zero values as failures. */
typedef enum pp_status {
  PP_OK = 0,
  PP_ERROR_INVALID_CONTRACT,  /* 1: the text is not valid JSON or not a valid contract;
                                    pp_last_error_path() gives the JSON Pointer */
  PP_ERROR_INVALID_ARGUMENT,  /* 2: a null pointer, a bad size, a wrong channel count,
                                    an unreadable contract file, ... */
  PP_ERROR_BUFFER_TOO_SMALL,  /* 3: out_bytes is smaller than the tensor */
  PP_ERROR_UNSUPPORTED,       /* 4: a valid request this build cannot execute */
  PP_ERROR_INTERNAL           /* 5: out of memory, or a bug in pixelpact */
} pp_status;

/* Element type of the output tensor. */
typedef enum pp_dtype {
  PP_DTYPE_UINT8 = 1,
  PP_DTYPE_FLOAT16 = 2, /* IEEE binary16, native byte order */
  PP_DTYPE_FLOAT32 = 3
} pp_dtype;

/* Axis order of the output tensor; NCHW and NHWC have a leading batch axis of 1. */
typedef enum pp_layout {
  PP_LAYOUT_NCHW = 1,
  PP_LAYOUT_NHWC = 2,
  PP_LAYOUT_CHW = 3,
  PP_LAYOUT_HWC = 4
} pp_layout;

/* Pass as a length to mean "the text ends at its first NUL byte". */
#define PP_NUL_TERMINATED ((size_t)-1)

/* ---- library ------------------------------------------------------------ */

/* Library version, "MAJOR.MINOR.PATCH". A static string; never NULL. */
PIXELPACT_API const char* pp_version(void);

/* Highest contract format version ("pixelpact": N) this library reads. */
PIXELPACT_API int pp_contract_version(void);

/* Message of the calling thread's most recent failed pp_ call, e.g.
 * "/steps/0/size: 0 is less than the minimum of 1". Thread-local:
 * failures on other threads never change it. Successful calls leave it as it was
 * (like errno), so read it right after a call returned a failure. "" if no call
 * on this thread has failed yet. Owned by the library; valid until the next
 * failing pp_ call on this thread. Never NULL. */
PIXELPACT_API const char* pp_last_error(void);

/* JSON Pointer (RFC 6901) of the contract value at fault in the calling thread's
 * most recent failure, e.g. "/steps/0/size"; "" for the document root and for
 * failures unrelated to a contract value. Same lifetime rules as pp_last_error(). */
PIXELPACT_API const char* pp_last_error_path(void);

/* Name of a status code, "PP_OK", "PP_ERROR_BUFFER_TOO_SMALL", ...; "PP_UNKNOWN"
 * for a value this version does not define. A static string; never NULL. */
PIXELPACT_API const char* pp_status_name(pp_status status);

/* Bytes per element: 1, 2 or 4; 0 for a value that is not a pp_dtype. */
PIXELPACT_API size_t pp_dtype_size(pp_dtype dtype);

/* ---- creating and destroying a pipeline ---------------------------------- */

/* Parses, validates and compiles a contract.
 *   contract_json  UTF-8 JSON text of the contract; not NUL-terminated unless
 *                  length is PP_NUL_TERMINATED. Read only during the call.
 *   length         bytes of contract_json, or PP_NUL_TERMINATED.
 *   out            receives the new handle (NULL on failure). The caller owns it
 *                  and must pass it to pp_pipeline_destroy().
 * Errors: PP_ERROR_INVALID_ARGUMENT (contract_json or out is NULL),
 *         PP_ERROR_INVALID_CONTRACT (bad JSON or contract; see pp_last_error_path():
 *         the place being read for invalid JSON; numbers beyond double range and
 *         arrays/objects nested deeper than 64 levels are contract errors too),
 *         PP_ERROR_INTERNAL (out of memory).
 * Limits with the defaults of pixelpact::PipelineOptions: a tensor over 2^28
 * elements or an intermediate buffer over 2^30 bytes makes the shape query or the
 * run return PP_ERROR_INVALID_ARGUMENT before anything is allocated. */
PIXELPACT_API pp_status pp_pipeline_create(const char* contract_json, size_t length, pp_pipeline** out);

/* Default limits of pp_pipeline_create(): output elements and intermediate bytes. */
#define PP_DEFAULT_MAX_OUTPUT_ELEMENTS ((int64_t)1 << 28)
#define PP_DEFAULT_MAX_INTERMEDIATE_BYTES ((int64_t)1 << 30)

/* Like pp_pipeline_create(), with the pipeline's allocation limits chosen:
 *   max_output_elements     largest tensor a query or run may produce, in
 *                           elements (default PP_DEFAULT_MAX_OUTPUT_ELEMENTS).
 *   max_intermediate_bytes  largest buffer a run may allocate between steps, in
 *                           bytes (a resized or cropped image, a resize's
 *                           half-way pass, a packed copy of a strided input;
 *                           default PP_DEFAULT_MAX_INTERMEDIATE_BYTES).
 *   0 means no limit. Beyond a limit, pp_pipeline_output_shape/_bytes/_geometry
 *   and the runs return PP_ERROR_INVALID_ARGUMENT (the message names the limit)
 *   before allocating anything or writing a byte of out.
 * Errors: as pp_pipeline_create(); PP_ERROR_INVALID_ARGUMENT also for a negative
 *         limit. */
PIXELPACT_API pp_status pp_pipeline_create_with_limits(const char* contract_json, size_t length,
                                                       int64_t max_output_elements,
                                                       int64_t max_intermediate_bytes, pp_pipeline** out);

/* Like pp_pipeline_create(), reading the contract from a file.
 *   path  file name, in the encoding the C library's fopen() takes.
 * Errors: as pp_pipeline_create(); PP_ERROR_INVALID_ARGUMENT also when the file
 *         cannot be opened or read (the message names the file and the reason). */
PIXELPACT_API pp_status pp_pipeline_create_from_file(const char* path, pp_pipeline** out);

/* Releases a pipeline. NULL is allowed and does nothing. */
PIXELPACT_API void pp_pipeline_destroy(pp_pipeline* p);

/* ---- describing the output ----------------------------------------------- */

/* Shape of the tensor produced for an input image of height x width pixels,
 * without running anything.
 *   shape  receives ndim sizes in layout order, e.g. {1, 3, 224, 224} for NCHW;
 *          entries past ndim are set to 0.
 *   ndim   receives 4 (NCHW, NHWC) or 3 (CHW, HWC).
 * Errors: PP_ERROR_INVALID_ARGUMENT (a NULL pointer; a size < 1; a size the
 *         contract cannot produce a tensor for, e.g. a resize reaching 0 pixels). */
PIXELPACT_API pp_status pp_pipeline_output_shape(const pp_pipeline* p, int height, int width,
                                                 int64_t shape[4], int* ndim);

/* Where the tensor's pixels come from, for an input of height x width pixels:
 * per axis, input = output * scale + offset in continuous pixel coordinates
 * (pixel i covers [i, i + 1)), composed over all geometry steps; the image
 * covers the output rectangle [content_y0, content_y1) x [content_x0, content_x1)
 * and the rest is padding. Maps detection boxes back to the image.
 * Errors: as pp_pipeline_output_shape(). */
typedef struct pp_geometry {
  int input_height, input_width, output_height, output_width;
  double scale_y, scale_x, offset_y, offset_x;
  double content_y0, content_x0, content_y1, content_x1;
} pp_geometry;
PIXELPACT_API pp_status pp_pipeline_geometry(const pp_pipeline* p, int height, int width, pp_geometry* geometry);

/* Bytes of the tensor for an input of height x width pixels: the product of the
 * shape times pp_dtype_size(dtype). Errors: as pp_pipeline_output_shape(). */
PIXELPACT_API pp_status pp_pipeline_output_bytes(const pp_pipeline* p, int height, int width,
                                                 size_t* bytes);

/* Output element type and axis order of the contract.
 * Errors: PP_ERROR_INVALID_ARGUMENT (a NULL pointer). */
PIXELPACT_API pp_status pp_pipeline_output_dtype(const pp_pipeline* p, pp_dtype* dtype);
PIXELPACT_API pp_status pp_pipeline_output_layout(const pp_pipeline* p, pp_layout* layout);

/* Channels an input image must have: 3 (RGB, BGR), 4 (RGBA, BGRA) or 1 (GRAY).
 * Errors: PP_ERROR_INVALID_ARGUMENT (a NULL pointer). */
PIXELPACT_API pp_status pp_pipeline_input_channels(const pp_pipeline* p, int* channels);

/* The contract's input color as spelled in it ("RGB", "BGRA", ...), its "name"
 * ("" if it has none), its canonical form and its fingerprint. The canonical form
 * is compact JSON with every default written out, keys sorted, one spelling per
 * meaning and no "name" or "description" (they cannot change a byte): contracts
 * that mean the same thing have the same one. The fingerprint is the SHA-256 of
 * the canonical form as 64 lower-case hexadecimal digits; any change that can
 * change a tensor byte changes it. Owned by the pipeline, valid until
 * pp_pipeline_destroy(p). NULL only if p is NULL (pp_last_error() is then set). */
PIXELPACT_API const char* pp_pipeline_input_color(const pp_pipeline* p);
PIXELPACT_API const char* pp_pipeline_name(const pp_pipeline* p);
PIXELPACT_API const char* pp_pipeline_canonical_json(const pp_pipeline* p);
PIXELPACT_API const char* pp_pipeline_fingerprint(const pp_pipeline* p);

/* ---- running ------------------------------------------------------------- */

/* Runs the contract on one image whose channels are adjacent bytes (interleaved,
 * e.g. RGBRGB...), and writes the tensor, C-contiguous in the output layout.
 *   pixels            address of pixel (0, 0), channel 0. Read only.
 *   height, width     image size in pixels, each 1..1048576.
 *   channels          must equal pp_pipeline_input_channels().
 *   row_stride_bytes  bytes from one row to the next (may be negative or padded);
 *                     0 means packed rows (width * channels).
 *   out               receives the tensor; aligned for the output dtype.
 *   out_bytes         size of out in bytes; at least pp_pipeline_output_bytes().
 * The pixel buffer must hold every addressed byte; the library cannot check that.
 * Errors: PP_ERROR_INVALID_ARGUMENT (NULL pixels, out or p; a size out of range;
 *         a channel count that does not match the contract's input color; a
 *         misaligned out), PP_ERROR_BUFFER_TOO_SMALL (out_bytes too small; the
 *         message gives the size needed), PP_ERROR_INTERNAL. Argument errors write
 *         nothing to out. */
PIXELPACT_API pp_status pp_pipeline_run(const pp_pipeline* p, const uint8_t* pixels, int height, int width,
                                        int channels, ptrdiff_t row_stride_bytes, void* out,
                                        size_t out_bytes);

/* Like pp_pipeline_run() for any memory layout: byte (y, x, c) is at
 * pixels + y * row_stride + x * pixel_stride + c * channel_stride. Strides are in
 * bytes and may be negative (e.g. a vertically flipped view) or zero. Covers
 * planar images (channel_stride = height * width) and views into larger buffers.
 * Errors: as pp_pipeline_run(). */
PIXELPACT_API pp_status pp_pipeline_run_strided(const pp_pipeline* p, const uint8_t* pixels, int height,
                                                int width, int channels, ptrdiff_t row_stride,
                                                ptrdiff_t pixel_stride, ptrdiff_t channel_stride,
                                                void* out, size_t out_bytes);

/* Like pp_pipeline_run_strided() on up to `threads` threads of the library's
 * persistent pool (0 = every core): the image is split into bands of output
 * rows, each computed from its own window of the input, so one large image uses
 * several cores. The bytes are the same for every thread count, and so are the
 * images refused. Small images (under about 256K pixels a band) and contracts
 * that resize after to_float or premultiply alpha run on the calling thread.
 * Errors: as pp_pipeline_run(); PP_ERROR_INVALID_ARGUMENT for threads < 0. */
PIXELPACT_API pp_status pp_pipeline_run_threads(const pp_pipeline* p, const uint8_t* pixels, int height,
                                                int width, int channels, ptrdiff_t row_stride,
                                                ptrdiff_t pixel_stride, ptrdiff_t channel_stride, int threads,
                                                void* out, size_t out_bytes);

/* Runs the contract on count images and writes their tensors one after another,
 * as one C-contiguous batch: shape (count, C, H, W) for NCHW and CHW contracts,
 * (count, H, W, C) for NHWC and HWC. Images may differ in size but must all give
 * the same tensor shape (e.g. a contract ending in center_crop).
 *   count              number of images, >= 1.
 *   pixels             count pointers, one per image (interleaved channels).
 *   heights, widths    count sizes in pixels.
 *   channels           channels of every image (pp_pipeline_input_channels()).
 *   row_strides_bytes  count row strides, or NULL for packed rows; 0 entries
 *                      also mean packed.
 *   out, out_bytes     at least count * the bytes of one tensor.
 * Runs on every core (the library's persistent pool; see
 * pp_pipeline_run_batch_threads() to choose the thread count).
 * Everything is checked before the first image runs, so a bad image or size
 * writes nothing. Errors: as pp_pipeline_run(); PP_ERROR_INVALID_ARGUMENT also
 * when an image's tensor shape differs from the first image's (the message
 * names the image index). */
PIXELPACT_API pp_status pp_pipeline_run_batch(const pp_pipeline* p, size_t count, const uint8_t* const* pixels,
                                              const int* heights, const int* widths, int channels,
                                              const ptrdiff_t* row_strides_bytes, void* out, size_t out_bytes);

/* pp_pipeline_run_batch() on up to `threads` threads of the library's persistent
 * pool, one image per thread at a time (0 = every core, which is what
 * pp_pipeline_run_batch() uses; 1 = the calling thread only). The bytes are the
 * same for every thread count. Errors: as pp_pipeline_run_batch();
 * PP_ERROR_INVALID_ARGUMENT for threads < 0. */
PIXELPACT_API pp_status pp_pipeline_run_batch_threads(const pp_pipeline* p, size_t count,
                                                      const uint8_t* const* pixels, const int* heights,
                                                      const int* widths, int channels,
                                                      const ptrdiff_t* row_strides_bytes, int threads, void* out,
                                                      size_t out_bytes);

/* ---- encoded images (JPEG, PNG) ------------------------------------------- */

/* The image decoders compiled into this library, e.g. "JPEG: libjpeg-turbo 2.1.5
 * (libjpeg API 62); PNG: libpng 1.6.39", or which are missing. Owned by the
 * library; valid until the next call on this thread. */
PIXELPACT_API const char* pp_decoders(void);

/* What an encoded image's header says, as the pipeline will see the image; no
 * pixel is decoded. height x width is the image the steps receive (turned
 * upright when the contract's input.decode.orientation is "exif"): pass it to
 * pp_pipeline_output_shape() / pp_pipeline_output_bytes(). */
typedef struct pp_image_info {
  int height, width;               /* as the steps receive it */
  int stored_height, stored_width; /* the pixel grid stored in the file */
  int orientation;                 /* EXIF orientation applied, 1..8 (1 = none) */
  char format[8];                  /* "jpeg" or "png", NUL-terminated */
} pp_image_info;

/* Errors: PP_ERROR_INVALID_ARGUMENT (a NULL pointer; data that is not a JPEG
 * or PNG, or whose header is unreadable), PP_ERROR_UNSUPPORTED (no decoder for
 * the format in this build: the message says so). */
PIXELPACT_API pp_status pp_pipeline_image_info(const pp_pipeline* p, const void* data, size_t length,
                                               pp_image_info* info);

/* Decodes a JPEG or PNG file held in memory (length bytes, read only) as Pillow's
 * Image.open(...) + convert() to the contract's input colour gives it (or as
 * tf.io.decode_image does, for input.decode.decoder "tensorflow"), applies
 * the contract's orientation, runs the contract and writes the tensor as
 * pp_pipeline_run() does (out_bytes at least pp_pipeline_output_bytes() of
 * pp_pipeline_image_info()'s height x width).
 * Errors: PP_ERROR_INVALID_ARGUMENT (a NULL pointer; not a JPEG or PNG; a
 *         corrupt or truncated file; an image whose decoded pixels would exceed
 *         the pipeline's intermediate-bytes limit, refused from the header before
 *         allocating), PP_ERROR_BUFFER_TOO_SMALL, PP_ERROR_UNSUPPORTED (no decoder
 *         for the format in this build, or an image kind the contract cannot
 *         reproduce exactly: the message says which), PP_ERROR_INTERNAL.
 *         Nothing is written to out on error. */
PIXELPACT_API pp_status pp_pipeline_run_encoded(const pp_pipeline* p, const void* data, size_t length, void* out,
                                                size_t out_bytes);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* PIXELPACT_H */
