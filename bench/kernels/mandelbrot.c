/* Benchmark kernel: double-precision Mandelbrot set: dependent multiply/add chains and a
 * compare-and-branch per iteration. */
#include "krt.h"

int kmain(int argc, char **argv) {
  (void)argv;
  const int width = 480, height = 360, max_iter = 500;
  uint64_t checksum = (uint64_t)argc;
  for (int y = 0; y < height; y++) {
    double ci = -1.2 + 2.4 * y / height;
    for (int x = 0; x < width; x++) {
      double cr = -2.1 + 3.0 * x / width, zr = 0, zi = 0;
      int n = 0;
      while (n < max_iter && zr * zr + zi * zi <= 4.0) {
        double t = zr * zr - zi * zi + cr;
        zi = 2.0 * zr * zi + ci;
        zr = t;
        n++;
      }
      checksum = checksum * 33 + (uint64_t)n;
    }
  }
  kprint_checksum("mandelbrot", checksum);
  return 0;
}
