# Libraries that LLVM's static archives name in their link interface
# (LLVMConfig.cmake looks for them with find_package): zlib and zstd, for
# compressed sections, which LLVMSupport's Compression.cpp references.
# zlib's archive is linked in; zstd comes from the system's shared library
# (libzstd.so.1, on every Debian and Ubuntu system; its development package
# is not needed), and only when something the package keeps needs it
# (--as-needed).
if(NOT TARGET ZLIB::ZLIB)
  find_library(FA_ZLIB_STATIC NAMES libz.a)
  find_library(FA_ZLIB_SHARED NAMES z libz.so.1)
  add_library(ZLIB::ZLIB INTERFACE IMPORTED)
  if(FA_ZLIB_STATIC)
    set_target_properties(ZLIB::ZLIB PROPERTIES INTERFACE_LINK_LIBRARIES ${FA_ZLIB_STATIC})
  elseif(FA_ZLIB_SHARED)
    set_target_properties(ZLIB::ZLIB PROPERTIES INTERFACE_LINK_LIBRARIES ${FA_ZLIB_SHARED})
  endif()
endif()
if(NOT TARGET zstd::libzstd_shared)
  find_library(FA_ZSTD NAMES zstd libzstd.so.1)
  add_library(zstd::libzstd_shared INTERFACE IMPORTED)
  if(FA_ZSTD)
    set_target_properties(zstd::libzstd_shared PROPERTIES INTERFACE_LINK_LIBRARIES ${FA_ZSTD})
  endif()
endif()
