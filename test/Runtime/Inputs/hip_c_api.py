#!/usr/bin/env python3
"""Drives the runtime's C API (libfa_runtime.so) on the HIP platform.

With FA_HIP_LIBRARY naming a missing library, every call that needs the
driver fails with the loader's message; platform names are checked.
Prints one line per call: name, return code, fa_rt_last_error().
"""
import ctypes
import sys

rt = ctypes.CDLL(sys.argv[1])
rt.fa_rt_last_error.restype = ctypes.c_char_p


def show(name, rc):
    print(f"{name}: rc={rc} error={rt.fa_rt_last_error().decode()}")


show("select metal", rt.fa_rt_select_platform(b"metal"))
show("select hip", rt.fa_rt_select_platform(b"hip"))
show("init", rt.fa_rt_init(0))
ptr = ctypes.c_uint64(0)
show("malloc", rt.fa_rt_malloc(ctypes.byref(ptr), ctypes.c_size_t(16)))
kernel = ctypes.c_void_p(0)
show("load_file", rt.fa_rt_load_file(b"/nonexistent.hsaco", b"k",
                                      ctypes.byref(kernel)))
show("load_data", rt.fa_rt_load_data(b"\0" * 8, ctypes.c_size_t(8), b"k",
                                      ctypes.byref(kernel)))
show("synchronize", rt.fa_rt_synchronize())
rt.fa_rt_unload(None)
show("select cuda", rt.fa_rt_select_platform(b"cuda"))
