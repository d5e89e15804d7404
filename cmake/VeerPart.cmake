# veer_part(NAME DIR <dir> DEPS <targets...>)
#   A static library from every .cpp below <dir>, except those under tests/ or cli/ folders.
#   Sources are globbed so that each part's owner adds files without touching shared CMake.
function(veer_part name)
  cmake_parse_arguments(P "" "DIR" "DEPS;EXCLUDE" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${P_DIR}/*.cpp)
  list(FILTER sources EXCLUDE REGEX "/(tests|cli)/")
  foreach(pattern IN LISTS P_EXCLUDE)
    list(FILTER sources EXCLUDE REGEX "${pattern}")
  endforeach()
  if(NOT sources)
    set(sources ${CMAKE_SOURCE_DIR}/cmake/empty.cpp)
  endif()
  add_library(${name} STATIC ${sources})
  if(VEER_UNITY_LIBS)
    # As veer_unity() below does for tests: a library's files in batches of 8, so the names in
    # their anonymous namespaces are unique across the library. A file whose class holds a type
    # of its anonymous namespace (GCC's -Wsubobject-linkage fires once it is #included into a
    # batch) sets SKIP_UNITY_BUILD_INCLUSION in its folder's CMakeLists.txt.
    set_target_properties(${name} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
  endif()
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC veer_flags ${P_DEPS})
endfunction()

# veer_unity(TARGET): with VEER_UNITY_TESTS, the target's files are compiled in batches, one
#   translation unit per batch: test files all parse doctest and nlohmann/json and instantiate the
#   same templates, so a batch costs about half of its files compiled one by one (README.md,
#   "What a first run costs"). Test files therefore keep helper names unique across a folder, or
#   share them from a support header.
function(veer_unity target)
  if(VEER_UNITY_TESTS)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
  endif()
endfunction()

# veer_tests(NAME DIR <dir with tests/> DEPS <targets...>)
#   <dir>/tests/conformance_*.cpp -> <NAME>_conformance (CTest label `conformance`)
#   <dir>/tests/e2e_*.cpp         -> <NAME>_e2e         (CTest label `e2e`)
#   every other <dir>/tests/*.cpp -> <NAME>_tests       (CTest label `unit`)
#   <dir>/tests/support/*.cpp are shared by the three: compiled once, as the object library
#   <NAME>_support, which other folders' tests may link too.
function(veer_tests name)
  if(NOT VEER_TESTS)
    return()
  endif()
  cmake_parse_arguments(P "" "DIR" "DEPS" ${ARGN})
  file(GLOB all CONFIGURE_DEPENDS ${P_DIR}/tests/*.cpp)
  file(GLOB support CONFIGURE_DEPENDS ${P_DIR}/tests/support/*.cpp)
  set(unit ${all})
  list(FILTER unit EXCLUDE REGEX "/(conformance|e2e)_[^/]*\\.cpp$")
  set(conformance ${all})
  list(FILTER conformance INCLUDE REGEX "/conformance_[^/]*\\.cpp$")
  set(e2e ${all})
  list(FILTER e2e INCLUDE REGEX "/e2e_[^/]*\\.cpp$")
  set(definitions VEER_SOURCE_DIR="${CMAKE_SOURCE_DIR}" VEER_BINARY_DIR="${CMAKE_BINARY_DIR}")
  if(support)
    add_library(${name}_support OBJECT ${support})
    target_include_directories(${name}_support PUBLIC ${CMAKE_SOURCE_DIR})
    target_link_libraries(${name}_support PUBLIC veer_doctest_main ${P_DEPS})
    target_compile_definitions(${name}_support PRIVATE ${definitions})
    veer_unity(${name}_support)
  endif()
  foreach(kind unit conformance e2e)
    if(NOT ${kind})
      continue()
    endif()
    if(kind STREQUAL "unit")
      set(exe ${name}_tests)
    else()
      set(exe ${name}_${kind})
    endif()
    add_executable(${exe} ${${kind}})
    target_include_directories(${exe} PRIVATE ${CMAKE_SOURCE_DIR})
    target_link_libraries(${exe} PRIVATE veer_doctest_main ${P_DEPS})
    if(support)
      target_link_libraries(${exe} PRIVATE ${name}_support)
    endif()
    target_compile_definitions(${exe} PRIVATE ${definitions})
    veer_unity(${exe})
    # Exit code 77: the case called veer::testing::skip_test (testing/skip.hpp) and is shown as
    # skipped, not passed.
    doctest_discover_tests(${exe} TEST_PREFIX "${name}/" PROPERTIES LABELS ${kind}
                           SKIP_RETURN_CODE 77
                           ENVIRONMENT "VEER_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
  endforeach()
endfunction()
