# Sanitizers.cmake: ASYNCRL_SANITIZE=ON builds a target with AddressSanitizer and
# UndefinedBehaviorSanitizer, any finding fatal (so ctest fails on it). ASYNCRL_SANITIZE_THREAD=ON
# builds it with ThreadSanitizer instead (the two cannot share a process); TSan's reports make the
# test exit non-zero (TSan's exitcode), and the one race that is there by design, Hogwild!'s, is
# suppressed by native/tests/tsan.supp (CMakeLists.txt passes it to every test).
# asyncrl_target_sanitizers(<target>) applies them. Meant for the native tests: a JVM cannot load a
# sanitized kernel unless the runtime is preloaded (LD_PRELOAD=$(g++ -print-file-name=libasan.so)).

if(ASYNCRL_SANITIZE AND ASYNCRL_SANITIZE_THREAD)
  message(FATAL_ERROR "ASYNCRL_SANITIZE (ASan + UBSan) and ASYNCRL_SANITIZE_THREAD (TSan) cannot be combined: build them in two directories")
endif()
if(ASYNCRL_SANITIZE_THREAD AND MSVC)
  message(FATAL_ERROR "ASYNCRL_SANITIZE_THREAD needs GCC or Clang (MSVC has no ThreadSanitizer)")
endif()

function(asyncrl_target_sanitizers target)
  if(ASYNCRL_SANITIZE_THREAD)
    target_compile_options(${target} PRIVATE -fsanitize=thread -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=thread)
    return()
  endif()
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
