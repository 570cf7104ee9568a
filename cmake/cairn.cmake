# One small helper per kind of target: a module library, a test binary, a tool.

# cairn_module(NAME <module> [EXCLUDE <files...>] DEPS <targets...>)
# Builds library cairn_<module> from every .cc in the module directory (and its
# internal/ folder) except the EXCLUDE files (absolute, or relative to the module
# directory). Include paths are rooted at the source tree: "crypto/aead.h".
function(cairn_module)
  cmake_parse_arguments(M "" "NAME" "DEPS;EXCLUDE" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS
       ${CMAKE_CURRENT_SOURCE_DIR}/*.cc ${CMAKE_CURRENT_SOURCE_DIR}/internal/*.cc)
  foreach(excluded IN LISTS M_EXCLUDE)
    cmake_path(ABSOLUTE_PATH excluded BASE_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
    list(REMOVE_ITEM sources ${excluded})
  endforeach()
  if(NOT sources)  # a module still being written: headers only
    add_library(cairn_${M_NAME} INTERFACE)
    target_include_directories(cairn_${M_NAME} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(cairn_${M_NAME} INTERFACE ${M_DEPS})
    return()
  endif()
  add_library(cairn_${M_NAME} STATIC ${sources})
  target_include_directories(cairn_${M_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
  target_link_libraries(cairn_${M_NAME} PUBLIC ${M_DEPS})
endfunction()

# cairn_test(NAME <binary> DIR <tests/subdir> DEPS <targets...>)
# One Catch2 binary per module, from every *_test.cc in DIR, sharing one main.
function(cairn_test)
  cmake_parse_arguments(T "" "NAME;DIR" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${T_DIR}/*_test.cc)
  if(NOT sources)
    return()
  endif()
  add_executable(${T_NAME} ${sources})
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR})
  target_compile_definitions(${T_NAME} PRIVATE CAIRN_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  target_link_libraries(${T_NAME} PRIVATE cairn_catch_main ${T_DEPS} Catch2::Catch2 Threads::Threads)
  catch_discover_tests(${T_NAME}
    TEST_SPEC "~[.]"
    WORKING_DIRECTORY ${CMAKE_BINARY_DIR}
    PROPERTIES ENVIRONMENT "CAIRN_BUILD_DIR=${CMAKE_BINARY_DIR}")
endfunction()
