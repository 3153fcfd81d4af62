# `cmake --install`: public headers, the library (static by default,
# BUILD_SHARED_LIBS=ON for shared), the contract JSON Schema, a CMake package
# (find_package(pixelpact CONFIG) -> pixelpact::pixelpact) and pixelpact.pc.
# nlohmann_json is a private, header-only, build-time dependency: nothing
# installed refers to it.

option(PIXELPACT_INSTALL "Generate the install rules" ${PROJECT_IS_TOP_LEVEL})
if(NOT PIXELPACT_INSTALL OR SKBUILD)
  return()  # the Python wheel installs only its extension module
endif()

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(PIXELPACT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/pixelpact)
set(PIXELPACT_SCHEMA_DIR ${CMAKE_INSTALL_DATADIR}/pixelpact)

install(TARGETS pixelpact EXPORT pixelpactTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The public headers only, listed one by one (never the source tree's internals).
install(FILES
  ${PROJECT_SOURCE_DIR}/cpp/include/pixelpact/pixelpact.hpp
  ${PROJECT_SOURCE_DIR}/cpp/include/pixelpact/pixelpact.h
  ${PROJECT_SOURCE_DIR}/cpp/include/pixelpact/export.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pixelpact)
install(FILES ${PROJECT_SOURCE_DIR}/schema/pixelpact.schema.json DESTINATION ${PIXELPACT_SCHEMA_DIR})

install(EXPORT pixelpactTargets NAMESPACE pixelpact:: DESTINATION ${PIXELPACT_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/pixelpactConfig.cmake.in
  ${PROJECT_BINARY_DIR}/pixelpactConfig.cmake
  INSTALL_DESTINATION ${PIXELPACT_CMAKE_DIR}
  PATH_VARS PIXELPACT_SCHEMA_DIR CMAKE_INSTALL_INCLUDEDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pixelpactConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/pixelpactConfig.cmake ${PROJECT_BINARY_DIR}/pixelpactConfigVersion.cmake
  DESTINATION ${PIXELPACT_CMAKE_DIR})

# pkg-config. The prefix is found relative to the .pc file, so an installed tree
# can be moved. A static library needs the C++ runtime on a C program's link line.
file(RELATIVE_PATH PIXELPACT_PC_TO_PREFIX
  "${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/$" "" PIXELPACT_PC_TO_PREFIX "${PIXELPACT_PC_TO_PREFIX}")
set(PIXELPACT_PC_RUNTIME "")
foreach(lib IN LISTS CMAKE_CXX_IMPLICIT_LINK_LIBRARIES)
  if(lib MATCHES "^(stdc\\+\\+|c\\+\\+|c\\+\\+abi|m)$" AND NOT "-l${lib}" IN_LIST PIXELPACT_PC_RUNTIME)
    list(APPEND PIXELPACT_PC_RUNTIME "-l${lib}")
  endif()
endforeach()
# The decoders' libraries, as -l flags (cpp/src/decode/).
foreach(lib IN LISTS JPEG_LIBRARIES PNG_LIBRARIES)
  get_filename_component(lib_name "${lib}" NAME_WE)
  string(REGEX REPLACE "^lib" "" lib_name "${lib_name}")
  if(lib_name AND NOT lib_name MATCHES "^(optimized|debug)$" AND NOT "-l${lib_name}" IN_LIST PIXELPACT_PC_RUNTIME)
    list(INSERT PIXELPACT_PC_RUNTIME 0 "-l${lib_name}")
  endif()
endforeach()
list(JOIN PIXELPACT_PC_RUNTIME " " PIXELPACT_PC_RUNTIME)
if(PIXELPACT_LIBRARY_TYPE STREQUAL "STATIC_LIBRARY")
  set(PIXELPACT_PC_CFLAGS " -DPIXELPACT_STATIC")
  set(PIXELPACT_PC_LIBS " ${PIXELPACT_PC_RUNTIME}")
  set(PIXELPACT_PC_LIBS_PRIVATE "")
else()
  set(PIXELPACT_PC_CFLAGS "")
  set(PIXELPACT_PC_LIBS "")
  set(PIXELPACT_PC_LIBS_PRIVATE "${PIXELPACT_PC_RUNTIME}")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/pixelpact.pc.in ${PROJECT_BINARY_DIR}/pixelpact.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/pixelpact.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
