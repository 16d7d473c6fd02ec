# Sanitizers.cmake: ASYNCRL_SANITIZE=ON builds a target with AddressSanitizer and
# UndefinedBehaviorSanitizer, any finding fatal (so ctest fails on it).
# asyncrl_target_sanitizers(<target>) applies it. Meant for the native tests: a JVM cannot load a
# sanitized kernel unless the ASan runtime is preloaded (LD_PRELOAD=$(g++ -print-file-name=libasan.so)).

function(asyncrl_target_sanitizers target)
  if(NOT ASYNCRL_SANITIZE)
    return()
  endif()
  if(MSVC)
    target_compile_options(${target} PRIVATE /fsanitize=address)
  else()
    target_compile_options(${target} PRIVATE
      -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
