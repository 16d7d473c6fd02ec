# Kernel.cmake: asyncrl_add_kernel(<target> <sources>...) declares one kernel library, a shared
# library that exports the contract of native/include/asyncrl/kernel.h and nothing else.
# Every symbol is hidden unless the header marks it ASYNCRL_API. On Linux the library binds calls to
# its own symbols to itself (-Bsymbolic), so with several kernels in one process (all exporting the
# same names) none is interposed by another, and an undefined symbol is a link error
# (--no-undefined) rather than a failure when Java loads the library.

include(${CMAKE_CURRENT_LIST_DIR}/Warnings.cmake)
include(${CMAKE_CURRENT_LIST_DIR}/Sanitizers.cmake)

function(asyncrl_add_kernel target)
  add_library(${target} SHARED ${ARGN})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/native/include)
  set_target_properties(${target} PROPERTIES
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    target_link_options(${target} PRIVATE LINKER:-Bsymbolic LINKER:--no-undefined)
  endif()
  asyncrl_target_warnings(${target})
  asyncrl_target_sanitizers(${target})
endfunction()
