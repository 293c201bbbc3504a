//===- fa-device-info.cpp - report the CUDA device FlashTile would use ----===//
//
// Prints the compute capability, multiprocessor count and memory of a CUDA
// device through FlashTile's runtime, or the runtime's error (for example, no
// driver on this machine) with exit status 1.
//
//===----------------------------------------------------------------------===//

#include "fa/Runtime/CudaRuntime.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char **argv) {
  int device = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--device") && i + 1 < argc) {
      char *end = nullptr;
      device = static_cast<int>(std::strtol(argv[++i], &end, 10));
      if (*end != '\0') {
        std::fprintf(stderr, "fa-device-info: error: bad device '%s'\n",
                     argv[i]);
        return 1;
      }
    } else {
      std::fprintf(stderr, "usage: fa-device-info [--device N]\n");
      return 1;
    }
  }
  int cc = 0, sms = 0;
  size_t freeBytes = 0, totalBytes = 0;
  if (fa_rt_init(device) || fa_rt_compute_capability(&cc) ||
      fa_rt_sm_count(&sms) || fa_rt_mem_info(&freeBytes, &totalBytes)) {
    std::fprintf(stderr, "fa-device-info: error: %s\n", fa_rt_last_error());
    return 1;
  }
  std::printf("device %d: sm_%d, %d SMs, %.1f GiB free of %.1f GiB\n", device,
              cc, sms, freeBytes / 1073741824.0, totalBytes / 1073741824.0);
  return 0;
}
