/* pixelpact/export.h: PIXELPACT_API marks the symbols the library exports.
 *
 * The library is compiled with hidden visibility (-fvisibility=hidden
 * -fvisibility-inlines-hidden); only declarations marked PIXELPACT_API (the C++
 * API in pixelpact.hpp and the C API in pixelpact.h) are visible to programs that
 * link it. Valid C and C++.
 *
 * Macros consumers may define (the installed CMake package and pixelpact.pc set
 * them for you):
 *   PIXELPACT_STATIC    linking the static library (matters on Windows only)
 *   PIXELPACT_BUILDING  defined only while compiling pixelpact itself
 */
#ifndef PIXELPACT_EXPORT_H
#define PIXELPACT_EXPORT_H

#if defined(_WIN32) || defined(__CYGWIN__)
#  if defined(PIXELPACT_STATIC)
#    define PIXELPACT_API
#  elif defined(PIXELPACT_BUILDING)
#    define PIXELPACT_API __declspec(dllexport)
#  else
#    define PIXELPACT_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define PIXELPACT_API __attribute__((visibility("default")))
#else
#  define PIXELPACT_API
#endif

#endif /* PIXELPACT_EXPORT_H */
