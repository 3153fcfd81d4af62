# The library's outer surface: the C API (pixelpact.h) and which symbols the
# library exports. Included from the top-level CMakeLists.txt after the
# pixelpact target is defined.
#
# Everything is compiled with hidden visibility; only declarations marked
# PIXELPACT_API (pixelpact/export.h) are exported. tests/install/test_install.py checks
# the exported symbols of the shared build with `nm -D --defined-only`.

target_sources(pixelpact PRIVATE ${PROJECT_SOURCE_DIR}/cpp/src/api/c_api.cpp)

set_target_properties(pixelpact PROPERTIES
  C_VISIBILITY_PRESET hidden
  CXX_VISIBILITY_PRESET hidden
  VISIBILITY_INLINES_HIDDEN ON
  VERSION ${PROJECT_VERSION}
  SOVERSION ${PROJECT_VERSION_MAJOR})
target_compile_definitions(pixelpact PRIVATE PIXELPACT_BUILDING)

get_target_property(PIXELPACT_LIBRARY_TYPE pixelpact TYPE)
if(PIXELPACT_LIBRARY_TYPE STREQUAL "STATIC_LIBRARY")
  # Only changes PIXELPACT_API on Windows (no dllimport for a static library).
  target_compile_definitions(pixelpact PUBLIC PIXELPACT_STATIC)
endif()

if(PIXELPACT_LIBRARY_TYPE STREQUAL "SHARED_LIBRARY")
  include(CheckLinkerFlag)
  set(PIXELPACT_VERSION_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/pixelpact.map)
  check_linker_flag(CXX "LINKER:--version-script=${PIXELPACT_VERSION_SCRIPT}" PIXELPACT_HAS_VERSION_SCRIPT)
  if(PIXELPACT_HAS_VERSION_SCRIPT)
    target_link_options(pixelpact PRIVATE "LINKER:--version-script=${PIXELPACT_VERSION_SCRIPT}")
    set_property(TARGET pixelpact APPEND PROPERTY LINK_DEPENDS ${PIXELPACT_VERSION_SCRIPT})
  endif()
endif()
