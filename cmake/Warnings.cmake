# Warnings.cmake: the compiler warnings every asyncrl target is built with.
# asyncrl_target_warnings(<target>) adds them; ASYNCRL_WARNINGS_AS_ERRORS=ON makes them errors.
# -Wdouble-promotion is there on purpose: the reference kernel's float arithmetic is mirrored
# exactly by the Java kernel, so a silent promotion to double would be a numerics bug.

function(asyncrl_target_warnings target)
  if(MSVC)
    target_compile_options(${target} PRIVATE /W4)
    if(ASYNCRL_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE /WX)
    endif()
  else()
    target_compile_options(${target} PRIVATE
      -Wall -Wextra -Wpedantic
      -Wconversion -Wsign-conversion -Wdouble-promotion
      -Wshadow -Wcast-qual -Wold-style-cast -Wundef)
    if(ASYNCRL_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()
